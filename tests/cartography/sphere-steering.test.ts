import { describe, expect, it } from 'vitest';
import {
  dotOf,
  normalised,
  normOf,
  parallelTransport,
  projectToTangent,
  sphereAnalogy,
  sphereDistance,
  sphereExp,
  sphereLog,
  steerOnSphere,
} from '../../src-main/shared/maths/sphere-steering';
import { mulberry32, normal, type Rng } from '../../src-main/shared/random';

const gaussian = (rng: Rng, d: number) => Float64Array.from({ length: d }, () => normal(rng));
const point = (rng: Rng, d: number) => normalised(gaussian(rng, d));
/** A tangent vector at p of length `length`. */
const tangent = (rng: Rng, p: Float64Array, length: number) => {
  const t = normalised(projectToTangent(p, gaussian(rng, p.length)));
  return t.map((x) => x * length);
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

describe('the sphere: exp and log maps', () => {
  it('log is the inverse of exp (and exp of log) for angles from 1e-9 to nearly π', () => {
    const rng = mulberry32(1);
    for (const d of [2, 3, 8, 64]) {
      for (const angle of [1e-9, 1e-5, 0.01, 0.5, 1, 2, 3, Math.PI - 1e-4]) {
        const p = point(rng, d);
        const v = tangent(rng, p, angle);
        const q = sphereExp(p, v);
        expect(Math.abs(normOf(q) - 1)).toBeLessThan(1e-12);
        expect(sphereDistance(p, q)).toBeCloseTo(angle, 9);
        const back = sphereLog(p, q);
        // Near π the direction of log is ill-conditioned (all great circles nearly meet): 1e-8.
        expect(maxDiff(back, v)).toBeLessThan(angle > 3.1 ? 1e-8 : 1e-12);
        expect(Math.abs(dotOf(back, p))).toBeLessThan(1e-12);
        expect(maxDiff(sphereExp(p, back), q)).toBeLessThan(1e-12);
      }
    }
  });

  it('exp walks the great circle: cos θ·p + sin θ·v̂, with period 2π', () => {
    const rng = mulberry32(2);
    const p = point(rng, 5);
    const e = tangent(rng, p, 1);
    for (const theta of [0, 0.3, Math.PI / 2, Math.PI, 4, 2 * Math.PI, 10]) {
      const q = sphereExp(
        p,
        e.map((x) => x * theta),
      );
      const expected = p.map((x, i) => Math.cos(theta) * x + Math.sin(theta) * e[i]);
      expect(maxDiff(q, expected)).toBeLessThan(1e-12);
    }
  });

  it('log of a point is zero, of its antipode refused', () => {
    const p = normalised([1, 2, 3]);
    expect(Array.from(sphereLog(p, p))).toEqual([0, 0, 0]);
    expect(() =>
      sphereLog(
        p,
        p.map((x) => -x),
      ),
    ).toThrow(/antipodal/);
  });

  it('steering stays on the sphere to 1e-6 over long walks and many steps', () => {
    const rng = mulberry32(3);
    for (const d of [3, 16, 128]) {
      const z0 = point(rng, d);
      const base = point(rng, d);
      const v = tangent(rng, base, 0.7);
      const ts = Array.from({ length: 201 }, (_, k) => -50 + k * 0.5);
      const rows = steerOnSphere(z0, v, base, ts);
      for (let k = 0; k < ts.length; k++) {
        const z = rows.subarray(k * d, (k + 1) * d);
        expect(Math.abs(normOf(z) - 1)).toBeLessThan(1e-6);
      }
      // Each step moves |Δt|·‖v‖ radians along one great circle (mod 2π).
      const z1 = rows.subarray(ts.indexOf(0) * d, (ts.indexOf(0) + 1) * d);
      expect(maxDiff(z1, z0)).toBeLessThan(1e-12);
      const z2 = rows.subarray(ts.indexOf(1) * d, (ts.indexOf(1) + 1) * d);
      expect(sphereDistance(z0, z2)).toBeCloseTo(0.7, 10);
    }
  });
});

describe('the sphere: parallel transport', () => {
  it('preserves norms and inner products of tangent vectors, and lands in the tangent space', () => {
    const rng = mulberry32(4);
    for (const d of [2, 3, 10, 50]) {
      for (let trial = 0; trial < 20; trial++) {
        const p = point(rng, d);
        const q = point(rng, d);
        if (dotOf(p, q) < -0.999) continue;
        const u = tangent(rng, p, 0.1 + 2 * rng());
        const w = tangent(rng, p, 0.1 + 2 * rng());
        const tu = parallelTransport(p, q, u);
        const tw = parallelTransport(p, q, w);
        expect(Math.abs(dotOf(tu, q))).toBeLessThan(1e-12);
        expect(normOf(tu)).toBeCloseTo(normOf(u), 12);
        expect(dotOf(tu, tw)).toBeCloseTo(dotOf(u, w), 12);
        // Transporting back returns the vector: the geodesic p → q reversed.
        expect(maxDiff(parallelTransport(q, p, tu), u)).toBeLessThan(1e-11);
      }
    }
  });

  it("carries the geodesic's own velocity to its velocity at the end, and fixes normals to it", () => {
    const rng = mulberry32(5);
    const d = 6;
    const p = point(rng, d);
    const v = tangent(rng, p, 1.3);
    const q = sphereExp(p, v);
    // Velocity at q of the geodesic from p through q: −log_q(p), scaled to the same length.
    const back = sphereLog(q, p).map((x) => -x);
    expect(maxDiff(parallelTransport(p, q, v), back)).toBeLessThan(1e-12);
    // A vector orthogonal to the plane of p and q does not change.
    const e = normalised(v);
    let n: Float64Array = gaussian(rng, d);
    n = projectToTangent(p, n);
    const along = dotOf(n, e);
    n = n.map((x, i) => x - along * e[i]);
    expect(maxDiff(parallelTransport(p, q, n), n)).toBeLessThan(1e-12);
  });

  it('refuses to transport between antipodal points', () => {
    const p = normalised([0, 0, 1]);
    expect(() => parallelTransport(p, [0, 0, -1], [1, 0, 0])).toThrow(/antipodal/);
  });
});

describe('the sphere: analogies', () => {
  it('on a great circle, a − b + c moves c by the arc from b to a', () => {
    // All on the equator of S²: b at 0°, a at 40°, c at 100°: the answer is at 140°.
    const at = (deg: number) => [
      Math.cos((deg * Math.PI) / 180),
      Math.sin((deg * Math.PI) / 180),
      0,
    ];
    const rows = sphereAnalogy(at(40), at(0), at(100), [0, 0.5, 1, 2]);
    expect(maxDiff(rows.subarray(0, 3), at(100))).toBeLessThan(1e-12);
    expect(maxDiff(rows.subarray(3, 6), at(120))).toBeLessThan(1e-12);
    expect(maxDiff(rows.subarray(6, 9), at(140))).toBeLessThan(1e-12);
    expect(maxDiff(rows.subarray(9, 12), at(180))).toBeLessThan(1e-12);
  });

  it('keeps the step length: the answer lies ∠(a, b) from c, on the sphere', () => {
    const rng = mulberry32(6);
    for (let trial = 0; trial < 10; trial++) {
      const [a, b, c] = [point(rng, 8), point(rng, 8), point(rng, 8)];
      const r = sphereAnalogy(a, b, c, [1]);
      expect(normOf(r)).toBeCloseTo(1, 12);
      expect(sphereDistance(c, r)).toBeCloseTo(sphereDistance(a, b), 10);
    }
  });
});
