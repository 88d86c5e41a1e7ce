import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { ArrayDataset } from '../../src-main/engine/data/array-dataset';
import type { Dataset } from '../../src-main/engine/data/dataset';
import { importanceWeightedLogLikelihood } from '../../src-main/engine/iwae';
import { negativeLogLikelihood } from '../../src-main/engine/likelihood';
import type { Vae } from '../../src-main/engine/model';
import { Vae as VaeClass } from '../../src-main/engine/model';
import { mixSeed, mulberry32 } from '../../src-main/engine/random';
import { tf } from '../../src-main/engine/tf';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

/** The estimator as it was written before (tiled repeats, predict, likelihood.ts): the reference. */
function reference(vae: Vae, data: Dataset, k: number, seed: number, batchSize = 5_000): number {
  const size = vae.inputSize;
  const batch = Math.max(1, Math.floor(batchSize / k));
  let total = 0;
  for (let start = 0; start < data.count; start += batch) {
    const m = Math.min(batch, data.count - start);
    const x = data.batch(Array.from({ length: m }, (_, i) => start + i));
    total += tf.tidy(() => {
      const xt = tf.tensor2d(x, [m, size]);
      const head = vae.encoder!.predict(xt) as tf.Tensor2D;
      const repeat = (t: tf.Tensor2D) =>
        tf.reshape(tf.tile(tf.expandDims(t, 1), [1, k, 1]), [m * k, -1]) as tf.Tensor2D;
      const posterior = vae.geometry.posterior(repeat(head));
      const z = posterior.sample(mixSeed(seed, start));
      const logPx = tf.neg(
        negativeLogLikelihood(vae.config.likelihood, vae.logits(z), repeat(xt), 0.1),
      );
      const logW = tf.reshape(
        tf.sub(tf.add(logPx, vae.geometry.logPrior(z)), posterior.logProb(z)),
        [m, k],
      );
      return tf.sum(tf.sub(tf.logSumExp(logW, 1), Math.log(k))).dataSync()[0];
    });
  }
  return total / data.count;
}

function images(n: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const data = Float32Array.from({ length: n * 64 }, () => rng());
  return new ArrayDataset(
    'random',
    { spec: 'random', options: {} },
    {
      itemShape: [8, 8, 1],
      count: n,
      data,
    },
  );
}

describe('importance-weighted log-likelihood', () => {
  for (const likelihood of ['bernoulli', 'gaussian'] as const) {
    it(`equals the tiled, predict-based estimate (${likelihood}, several chunks)`, () => {
      const vae = VaeClass.create(
        {
          inputShape: [8, 8, 1],
          latent: { kind: 'gaussian', dim: 3 },
          objective: { kind: 'kl', weight: 1 },
          net: { kind: 'mlp', hidden: [24] },
          likelihood,
          gaussianSigma: 0.1,
        },
        4,
      );
      const data = images(37, 9);
      const ours = importanceWeightedLogLikelihood(vae, data, {
        samples: 12,
        seed: 3,
        batchSize: 120,
      });
      const expected = reference(vae, data, 12, 3, 120);
      expect(Number.isFinite(ours)).toBe(true);
      expect(Math.abs(ours - expected)).toBeLessThan(1e-5 * Math.abs(expected));
      vae.dispose();
    });
  }
});
