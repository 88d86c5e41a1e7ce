import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { GaussianLatent } from '../../src-main/engine/latent/gaussian';
import { tf } from '../../src-main/engine/tf';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('diagonal Gaussian latent', () => {
  it('closed-form KL(q ‖ N(0, I)) matches a Monte-Carlo estimate E_q[log q − log p]', () => {
    const geometry = new GaussianLatent({ kind: 'gaussian', dim: 3 });
    const mean = [0.5, -1.2, 2.0];
    const logVar = [-0.7, 0.3, -2.0];
    const n = 200_000;
    const [closed, mc, se] = tf.tidy(() => {
      const head = tf.tile(tf.tensor2d([[...mean, ...logVar]]), [n, 1]) as tf.Tensor2D;
      const q = geometry.posterior(head);
      const z = q.sample(7);
      const diff = tf.sub(q.logProb(z), geometry.logPrior(z));
      const { mean: m, variance } = tf.moments(diff);
      return [q.kl(z).dataSync()[0], m.dataSync()[0], Math.sqrt(variance.dataSync()[0] / n)];
    });
    // ½ Σ (μ² + σ² − log σ² − 1), by hand:
    const byHand =
      0.5 * mean.reduce((s, mu, j) => s + mu * mu + Math.exp(logVar[j]) - logVar[j] - 1, 0);
    expect(closed).toBeCloseTo(byHand, 4);
    expect(Math.abs(mc - closed)).toBeLessThan(4 * se);
  });

  it('samples have the posterior mean and variance (reparameterisation)', () => {
    const geometry = new GaussianLatent({ kind: 'gaussian', dim: 2 });
    const n = 100_000;
    const [m, v] = tf.tidy(() => {
      const head = tf.tile(tf.tensor2d([[1, -2, Math.log(0.25), Math.log(4)]]), [
        n,
        1,
      ]) as tf.Tensor2D;
      const { mean, variance } = tf.moments(geometry.posterior(head).sample(3), 0);
      return [Array.from(mean.dataSync()), Array.from(variance.dataSync())];
    });
    expect(m[0]).toBeCloseTo(1, 1);
    expect(m[1]).toBeCloseTo(-2, 1);
    expect(v[0]).toBeCloseTo(0.25, 1);
    expect(v[1]).toBeCloseTo(4, 1);
  });

  it('clamps the log-variance so exp() stays finite', () => {
    const geometry = new GaussianLatent({ kind: 'gaussian', dim: 1 }, [-10, 10]);
    const kl = tf.tidy(
      () =>
        geometry
          .posterior(tf.tensor2d([[0, 500]]))
          .kl(tf.zeros([1, 1]))
          .dataSync()[0],
    );
    expect(Number.isFinite(kl)).toBe(true);
  });
});
