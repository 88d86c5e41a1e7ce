import { describe, expect, it } from 'vitest';
import {
  analogy,
  attributeVector,
  evenly,
  groupCentre,
  positionsAlong,
  separationAuc,
  steer,
} from '../../src-main/shared/maths/attribute-vectors';
import {
  dotOf,
  normalised,
  normOf,
  sphereDistance,
  sphereExp,
} from '../../src-main/shared/maths/sphere-steering';
import { mulberry32, normal, type Rng } from '../../src-main/shared/random';

/** P(Y > X) + ½P(Y = X) by counting every pair. */
function bruteAuc(lower: ArrayLike<number>, higher: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < lower.length; i++)
    for (let j = 0; j < higher.length; j++)
      s += higher[j] > lower[i] ? 1 : higher[j] === lower[i] ? 0.5 : 0;
  return s / (lower.length * higher.length);
}

/** Two Gaussian clusters in d dimensions: n0 around c0, n1 around c1, spread sigma. */
function clusters(
  rng: Rng,
  d: number,
  c0: number[],
  c1: number[],
  n0: number,
  n1: number,
  sigma = 1,
) {
  const data = new Float64Array((n0 + n1) * d);
  for (let r = 0; r < n0 + n1; r++) {
    const c = r < n0 ? c0 : c1;
    for (let i = 0; i < d; i++) data[r * d + i] = c[i] + sigma * normal(rng);
  }
  const from = Array.from({ length: n0 }, (_, k) => k);
  const to = Array.from({ length: n1 }, (_, k) => n0 + k);
  return { rows: { data, n: n0 + n1, d }, from, to };
}

describe('separationAuc', () => {
  it('matches a brute-force pair count, ties counted half', () => {
    const rng = mulberry32(7);
    for (let trial = 0; trial < 40; trial++) {
      const n1 = 1 + Math.floor(rng() * 60);
      const n2 = 1 + Math.floor(rng() * 60);
      // Few distinct values, so ties are frequent, within and across groups.
      const levels = 1 + Math.floor(rng() * 8);
      const draw = (shift: number) => Math.floor(rng() * levels) + shift;
      const shift = trial % 3 === 0 ? 0 : rng() * 2;
      const a = Float64Array.from({ length: n1 }, () => draw(0));
      const b = Float64Array.from({ length: n2 }, () => draw(Math.round(shift)));
      expect(separationAuc(a, b)).toBeCloseTo(bruteAuc(a, b), 12);
      const c = Float64Array.from({ length: n2 }, () => normal(rng) + shift);
      expect(separationAuc(a, c)).toBeCloseTo(bruteAuc(a, c), 12);
    }
  });

  it('is 1 for separated groups, 0 reversed, ½ for identical values', () => {
    expect(separationAuc([1, 2, 3], [4, 5])).toBe(1);
    expect(separationAuc([4, 5], [1, 2, 3])).toBe(0);
    expect(separationAuc([2, 2], [2, 2, 2])).toBe(0.5);
    expect(() => separationAuc([], [1])).toThrow(/non-empty/);
    expect(() => separationAuc([NaN], [1])).toThrow(/finite/);
  });

  it('ranks 200,000 values in well under a second (O(n log n), not pairs)', () => {
    const rng = mulberry32(8);
    const a = Float64Array.from({ length: 100_000 }, () => normal(rng));
    const b = Float64Array.from({ length: 100_000 }, () => normal(rng) + 1);
    const started = performance.now();
    const auc = separationAuc(a, b);
    expect(performance.now() - started).toBeLessThan(1500);
    // Φ(1/√2) = 0.7602 for unit-variance Gaussians one apart.
    expect(auc).toBeCloseTo(0.7602, 2);
  });
});

describe('attributeVector (Euclidean)', () => {
  it('recovers the difference of two cluster centres, with the AUC of the projections', () => {
    const rng = mulberry32(9);
    const d = 10;
    const c0 = Array.from({ length: d }, () => normal(rng));
    const c1 = c0.map((x, i) => x + (i === 3 ? 4 : i === 7 ? -2 : 0));
    const { rows, from, to } = clusters(rng, d, c0, c1, 3000, 2000, 0.5);
    const v = attributeVector(rows, from, to, { sphere: false });
    const expected = c1.map((x, i) => x - c0[i]);
    // The error of a mean of n draws of sd 0.5 is 0.5/√n: ≤ 0.05 at 5 sd.
    for (let i = 0; i < d; i++) expect(Math.abs(v.vector[i] - expected[i])).toBeLessThan(0.05);
    for (let i = 0; i < d; i++) expect(Math.abs(v.base[i] - c0[i])).toBeLessThan(0.05);
    expect(v.length).toBeCloseTo(Math.sqrt(20), 1);
    expect([v.nFrom, v.nTo]).toEqual([3000, 2000]);
    expect(v.resultant).toBeNull();
    // Projections onto the unit direction: separated by √20 at sd 0.5: essentially 1.
    expect(v.auc).toBeGreaterThan(0.999);
    const scores = positionsAlong(rows, v.base, v.vector, false);
    expect(v.auc).toBeCloseTo(
      bruteAuc(
        from.map((r) => scores[r]),
        to.map((r) => scores[r]),
      ),
      12,
    );
    // From-group centred at 0 along the vector, to-group at ‖v‖.
    const meanOf = (idx: number[]) => idx.reduce((s, r) => s + scores[r], 0) / idx.length;
    expect(meanOf(from)).toBeCloseTo(0, 10);
    expect(meanOf(to)).toBeCloseTo(v.length, 10);
  });

  it('gives an AUC near ½ for groups drawn from one cluster, and 1 − AUC swapped', () => {
    const rng = mulberry32(10);
    const { rows, from, to } = clusters(rng, 4, [0, 0, 0, 0], [0, 0, 0, 0], 500, 500);
    const v = attributeVector(rows, from, to, { sphere: false });
    expect(v.auc).toBeGreaterThan(0.5);
    // Picking the direction from the same data overfits a little; the overlap is still near ½.
    expect(v.auc).toBeLessThan(0.6);
    const w = attributeVector(rows, to, from, { sphere: false });
    expect(w.auc).toBeCloseTo(v.auc, 12);
  });

  it('refuses an empty group, out-of-range rows and equal centres', () => {
    const rows = { data: [0, 0, 1, 1, 2, 2], n: 3, d: 2 };
    expect(() => attributeVector(rows, [], [1], { sphere: false, fromName: 'label 3' })).toThrow(
      /label 3 is empty/,
    );
    expect(() => attributeVector(rows, [0], [5], { sphere: false })).toThrow(/row 5 is outside/);
    expect(() => attributeVector(rows, [0, 2], [1], { sphere: false })).toThrow(/same centre/);
  });
});

describe('attributeVector (sphere)', () => {
  /** Codes scattered (angular spread ~`spread`) around the unit vector m on S^(d−1). */
  function capAround(rng: Rng, m: Float64Array, n: number, spread: number): Float64Array {
    const d = m.length;
    const out = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      const z = normalised(m.map((x) => x + spread * normal(rng)));
      out.set(z, r * d);
    }
    return out;
  }

  it('joins the normalised group means by the log map, and separates them', () => {
    const rng = mulberry32(11);
    const d = 5;
    const m0 = normalised([1, 0.2, 0, 0, 0]);
    const m1 = normalised([0.1, 1, 0.3, 0, 0]);
    const n = 1500;
    const data = new Float64Array(2 * n * d);
    data.set(capAround(rng, m0, n, 0.15), 0);
    data.set(capAround(rng, m1, n, 0.15), n * d);
    const rows = { data, n: 2 * n, d };
    const from = Array.from({ length: n }, (_, k) => k);
    const to = Array.from({ length: n }, (_, k) => n + k);
    const v = attributeVector(rows, from, to, { sphere: true });
    expect(normOf(v.base)).toBeCloseTo(1, 12);
    expect(Math.abs(dotOf(v.vector, v.base))).toBeLessThan(1e-12);
    // exp_base(v) is the to-centre exactly; the centres are near the caps' axes.
    const reached = sphereExp(v.base, v.vector);
    for (let i = 0; i < d; i++) expect(reached[i]).toBeCloseTo(v.target[i], 12);
    expect(sphereDistance(v.base, m0)).toBeLessThan(0.02);
    expect(sphereDistance(v.target, m1)).toBeLessThan(0.02);
    expect(v.length).toBeCloseTo(sphereDistance(m0, m1), 1);
    expect(v.auc).toBeGreaterThan(0.999);
    // Spread 0.15 per coordinate: E‖mean‖ ≈ 1 − (d−1)·0.15²/2 ≈ 0.955.
    expect(v.resultant!.from).toBeGreaterThan(0.93);
    expect(v.resultant!.from).toBeLessThan(0.98);
  });

  it('positions along the great circle are monotone past 90°, where ⟨z, v̂⟩ folds back', () => {
    const base = [1, 0, 0];
    const v = [0, 1, 0];
    const angles = [-3, -2, -1, 0, 0.5, 1.5, 2, 2.5, 3];
    const data = angles.flatMap((a) => [Math.cos(a), Math.sin(a), 0]);
    const pos = positionsAlong({ data, n: angles.length, d: 3 }, base, v, true);
    angles.forEach((a, k) => expect(pos[k]).toBeCloseTo(a, 12));
  });

  it('refuses a group spread evenly over the sphere', () => {
    const rows = { data: [1, 0, -1, 0, 0, 1], n: 3, d: 2 };
    expect(() => groupCentre(rows, [0, 1], true, 'the selection')).toThrow(/no mean direction/);
  });
});

describe('steer and analogy', () => {
  it('Euclidean: z0 + t·v, and c + s·(a − b)', () => {
    const rows = steer([1, 2], [0.5, -1], [-1, 0, 2], { sphere: false });
    expect(Array.from(rows)).toEqual([0.5, 3, 1, 2, 2, 0]);
    const grid = analogy([3, 1], [1, 1], [0, 5], evenly(0, 1, 3), { sphere: false });
    expect(Array.from(grid)).toEqual([0, 5, 1, 5, 2, 5]);
    expect(() => steer([1, 2], [1, 2, 3], [0], { sphere: false })).toThrow(/3 coordinates/);
  });

  it('sphere: moves from z0 along the great circle of v carried from its base', () => {
    const rng = mulberry32(12);
    const d = 7;
    const base = normalised(Float64Array.from({ length: d }, () => normal(rng)));
    const z0 = normalised(base.map((x) => x + 0.3 * normal(rng)));
    const v = Float64Array.from({ length: d }, () => normal(rng));
    const tangentV = v.map((x, i) => x - dotOf(base, v) * base[i]);
    const ts = evenly(-2, 2, 9);
    const rows = steer(z0, tangentV, ts, { sphere: true, base });
    for (let k = 0; k < ts.length; k++) {
      const z = rows.subarray(k * d, (k + 1) * d);
      expect(Math.abs(normOf(z) - 1)).toBeLessThan(1e-6);
      // Distance from z0 is |t|·‖v‖ (mod the circle): transport keeps the speed.
      const expected = Math.abs(ts[k]) * normOf(tangentV);
      const wrapped = Math.min(expected % (2 * Math.PI), 2 * Math.PI - (expected % (2 * Math.PI)));
      expect(sphereDistance(z0, z)).toBeCloseTo(wrapped, 9);
    }
    // With z0 = base, the walk at t = 1 reaches exp_base(v).
    const atBase = steer(base, tangentV, [1], { sphere: true, base });
    const reached = sphereExp(base, tangentV);
    for (let i = 0; i < d; i++) expect(atBase[i]).toBeCloseTo(reached[i], 12);
  });

  it('evenly spaces values', () => {
    expect(evenly(-3, 3, 7)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(evenly(0, 1, 1)).toEqual([0.5]);
  });
});
