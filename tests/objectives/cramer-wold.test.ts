import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { mulberry32, normal } from '../../src-main/shared/random';
import { cramerWoldPhi } from '../../src-main/engine/special/hypergeometric';
import { cramerWoldPhiTensor } from '../../src-main/engine/objectives/cramer-wold-phi';
import {
  cramerWoldBetweenSamples,
  cramerWoldGamma,
  cramerWoldToNormal,
} from '../../src-main/engine/objectives/cramer-wold';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

/** A sample that is not N(0, I): shifted and shrunk. */
function sample(n: number, d: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  return Float64Array.from(
    { length: n * d },
    (_, i) => 0.4 * (i % d === 0 ? 1 : 0) + 0.7 * normal(rng),
  );
}

/**
 * d²_CW(X, N(0, I)) from its definition (Tabor et al. 2018, Def. 2.1): for each direction v, the
 * squared L2 distance between the γ-smoothed projection of X, (1/n) Σ_i N(vᵀx_i, γ), and the
 * smoothed projection of N(0, I), N(0, 1 + γ), by the trapezoid rule on a grid; averaged over v
 * (evenly spaced angles for d = 2, seeded uniform directions otherwise).
 */
function cramerWoldByDefinition(
  x: Float64Array,
  n: number,
  d: number,
  gamma: number,
  directions: number,
): number {
  const rng = mulberry32(99);
  const density = (t: number, mean: number, variance: number) =>
    Math.exp(-((t - mean) ** 2) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
  const projections = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < directions; k++) {
    let v: number[];
    if (d === 2) {
      const angle = (Math.PI * (k + 0.5)) / directions; // v and −v give the same distance
      v = [Math.cos(angle), Math.sin(angle)];
    } else {
      v = Array.from({ length: d }, () => normal(rng));
      const norm = Math.hypot(...v);
      v = v.map((c) => c / norm);
    }
    let reach = 0;
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let j = 0; j < d; j++) p += v[j] * x[i * d + j];
      projections[i] = p;
      reach = Math.max(reach, Math.abs(p));
    }
    const limit = reach + 10 * Math.sqrt(1 + gamma);
    const steps = 800;
    const h = (2 * limit) / steps;
    let integral = 0;
    for (let s = 0; s <= steps; s++) {
      const t = -limit + s * h;
      let f = 0;
      for (let i = 0; i < n; i++) f += density(t, projections[i], gamma);
      const diff = f / n - density(t, 0, 1 + gamma);
      integral += (s === 0 || s === steps ? 0.5 : 1) * diff * diff;
    }
    total += integral * h;
  }
  return total / directions;
}

describe('Cramér-Wold distance (Tabor et al. 2018)', () => {
  for (const [d, directions, tolerance] of [
    // d = 2: quadrature over the angle (error ≈ float32); else Monte Carlo over directions (≈ 0.3%).
    [2, 400, 1e-5],
    [5, 3000, 0.01],
    [12, 3000, 0.01],
  ]) {
    it(`d = ${d}: the closed form matches a direct evaluation of the definition`, () => {
      const n = 40;
      const x = sample(n, d, d);
      const gamma = cramerWoldGamma(n);
      const closed = tf.tidy(
        () => cramerWoldToNormal(tf.tensor2d(Float32Array.from(x), [n, d]), gamma).dataSync()[0],
      );
      const direct = cramerWoldByDefinition(x, n, d, gamma, directions);
      expect(closed).toBeGreaterThan(0);
      expect(
        Math.abs(closed - direct) / direct,
        `closed ${closed} vs definition ${direct}`,
      ).toBeLessThan(tolerance);
    });
  }

  it('between two samples it approaches the closed form against N(0, I) as the second grows', () => {
    tf.tidy(() => {
      const d = 5;
      const n = 64;
      const x = tf.tensor2d(Float32Array.from(sample(n, d, 3)), [n, d]);
      const gamma = cramerWoldGamma(n);
      const closed = cramerWoldToNormal(x, gamma).dataSync()[0];
      const big = tf.randomNormal([3000, d], 0, 1, 'float32', 5) as tf.Tensor2D;
      const sampled = cramerWoldBetweenSamples(x, big, gamma).dataSync()[0];
      expect(Math.abs(sampled - closed) / closed).toBeLessThan(0.05);
    });
  });

  it('is small for a normal sample and grows with the shift', () => {
    tf.tidy(() => {
      const d = 12;
      const z = tf.randomNormal([128, d], 0, 1, 'float32', 1) as tf.Tensor2D;
      const values = [0, 0.5, 1].map(
        (shift) => cramerWoldToNormal(tf.add(z, shift) as tf.Tensor2D).dataSync()[0],
      );
      expect(values[1]).toBeGreaterThan(3 * values[0]);
      expect(values[2]).toBeGreaterThan(values[1]);
      const g = tf.grad((t: tf.Tensor) => cramerWoldToNormal(t as tf.Tensor2D))(tf.add(z, 1));
      expect(tf.all(tf.isFinite(g)).dataSync()[0]).toBe(1);
      expect(tf.mean(g).dataSync()[0]).toBeGreaterThan(0); // descent moves the sample back to 0
    });
  });
});

describe('φ_D(s) = 1F1(½; D/2; −s) as a tensor op', () => {
  it('matches the float64 function to float32 precision for every D, including 3..19', () => {
    tf.tidy(() => {
      const s = Array.from({ length: 400 }, (_, i) => Math.exp(-10 + (25 * i) / 399));
      for (const d of [1, 2, 3, 4, 7, 12, 19, 20, 64, 256]) {
        const got = cramerWoldPhiTensor(d, tf.tensor1d([0, ...s])).dataSync();
        expect(got[0]).toBeCloseTo(1, 6);
        s.forEach((v, i) => {
          if (d === 1 && v > 80) return; // e^{−s} is a float32 denormal there
          const want = cramerWoldPhi(d, Math.fround(v));
          expect(Math.abs(got[i + 1] - want) / want, `D=${d} s=${v}`).toBeLessThan(1e-6);
        });
      }
    });
  });

  it('has the derivative −(1/D)·1F1(3/2; D/2 + 1; −s) (checked by finite differences of the float64 function)', () => {
    tf.tidy(() => {
      const points = [1e-3, 0.2, 0.7, 3, 40, 900, 3e4];
      for (const d of [2, 3, 5, 12, 128]) {
        const g = tf
          .grad((t: tf.Tensor) => tf.sum(cramerWoldPhiTensor(d, t)))(tf.tensor1d(points))
          .dataSync();
        points.forEach((p, i) => {
          const x = Math.fround(p);
          const h = x * 1e-5;
          const fd = (cramerWoldPhi(d, x + h) - cramerWoldPhi(d, x - h)) / (2 * h);
          expect(Math.abs(g[i] - fd) / Math.abs(fd), `D=${d} s=${p}`).toBeLessThan(1e-5);
        });
        expect(g[0]).toBeCloseTo(-1 / d, 3);
      }
    });
  });
});
