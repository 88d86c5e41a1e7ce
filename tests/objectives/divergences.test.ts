import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { mmd, type MmdKernel } from '../../src-main/engine/objectives/mmd';
import { randomDirections, slicedWasserstein } from '../../src-main/engine/objectives/swd';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const d = 8;
const n = 256;
const normal = (seed: number) => tf.randomNormal([n, d], 0, 1, 'float32', seed) as tf.Tensor2D;

/** A distance from N(0, I) to N(0.5, I) and to N(0, 1.5² I), on samples of n (call inside tf.tidy). */
const shiftedAndScaled = (distance: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => ({
  shifted: distance(normal(1), tf.add(normal(2), 0.5) as tf.Tensor2D).dataSync()[0],
  scaled: distance(normal(1), tf.mul(normal(2), 1.5) as tf.Tensor2D).dataSync()[0],
});

describe('MMD (unbiased U-statistic, multi-scale kernels)', () => {
  for (const kernel of ['imq', 'rbf'] as MmdKernel[]) {
    it(`${kernel}: ≈ 0 for two samples of one law, clearly positive for shifted or scaled ones`, () => {
      tf.tidy(() => {
        const c = 2 * d;
        const same = Array.from(
          { length: 12 },
          (_, i) => mmd(normal(2 * i + 1), normal(2 * i + 2), kernel, c).dataSync()[0],
        );
        const mean = same.reduce((a, b) => a + b, 0) / same.length;
        const spread = Math.sqrt(same.reduce((a, b) => a + (b - mean) ** 2, 0) / (same.length - 1));
        // Unbiased: the replicates average to 0 within their standard error.
        expect(Math.abs(mean)).toBeLessThan((3 * spread) / Math.sqrt(same.length));
        const { shifted, scaled } = shiftedAndScaled((x, y) => mmd(x, y, kernel, c));
        const noise = Math.max(...same.map(Math.abs));
        expect(shifted).toBeGreaterThan(10 * noise);
        expect(scaled).toBeGreaterThan(5 * noise);
      });
    });
  }

  it('is symmetric and differentiable, and needs no transposed matMul', () => {
    tf.tidy(() => {
      const x = normal(1);
      const y = tf.add(normal(2), 0.3) as tf.Tensor2D;
      expect(mmd(x, y, 'imq', 16).dataSync()[0]).toBeCloseTo(mmd(y, x, 'imq', 16).dataSync()[0], 5);
      const g = tf.grad((t: tf.Tensor) => mmd(t as tf.Tensor2D, y, 'imq', 16))(x);
      expect(tf.all(tf.isFinite(g)).dataSync()[0]).toBe(1);
      expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
    });
  });
});

describe('sliced Wasserstein (sorted projections)', () => {
  it('≈ 0 for two samples of one law, ≈ the true SW₂² for shifted or scaled ones', () => {
    tf.tidy(() => {
      const directions = randomDirections(d, 200, 3);
      const columns = tf.sum(tf.square(directions), 0).dataSync();
      for (const v of columns) expect(v).toBeCloseTo(1, 5);
      const same = slicedWasserstein(normal(1), normal(2), directions).dataSync()[0];
      // Shift by 0.5 in every coordinate: E_θ[(θᵀs)²] = ‖s‖²/d = 0.25. Scale by 1.5: (1.5 − 1)² = 0.25.
      const { shifted, scaled } = shiftedAndScaled((x, y) => slicedWasserstein(x, y, directions));
      expect(same).toBeLessThan(0.03);
      expect(shifted).toBeGreaterThan(0.2);
      expect(shifted).toBeLessThan(0.35);
      expect(scaled).toBeGreaterThan(0.2);
      expect(scaled).toBeLessThan(0.35);
      // p = 1 averages |Δ|.
      expect(
        slicedWasserstein(
          normal(1),
          tf.add(normal(1), 0.25) as tf.Tensor2D,
          directions,
          1,
        ).dataSync()[0],
      ).toBeGreaterThan(0.1);
    });
  });

  it('passes gradients through the sort to the encoded sample', () => {
    tf.tidy(() => {
      const y = normal(2);
      const directions = randomDirections(d, 20, 1);
      const x = tf.add(normal(1), 1);
      const g = tf.grad((t: tf.Tensor) => slicedWasserstein(t as tf.Tensor2D, y, directions))(x);
      expect(tf.all(tf.isFinite(g)).dataSync()[0]).toBe(1);
      // Descending the gradient moves the shifted sample back towards the prior's mean.
      expect(tf.mean(g).dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('refuses unequal sample sizes', () => {
    tf.tidy(() => {
      expect(() => slicedWasserstein(tf.zeros([3, 2]), tf.zeros([4, 2]), tf.ones([2, 1]))).toThrow(
        /equal sample sizes/,
      );
    });
  });
});
