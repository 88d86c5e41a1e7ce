import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { ArrayDataset } from '../../src-main/engine/data/array-dataset';
import type { Dataset } from '../../src-main/engine/data/dataset';
import { whole } from '../../src-main/engine/nets/whole';
import { importanceWeightedLogLikelihood } from '../../src-main/engine/evaluation/iwae';
import { bernoulliNllRows, setFastBernoulli } from '../../src-main/engine/kernels/bernoulli';
import { negativeLogLikelihood } from '../../src-main/engine/model/likelihood';
import type { Vae } from '../../src-main/engine/model/model';
import { Vae as VaeClass } from '../../src-main/engine/model/model';
import { mixSeed, mulberry32 } from '../../src-main/shared/random';
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

describe('the SIMD Bernoulli term', () => {
  it('equals likelihood.ts row by row, over the whole range of logits', () => {
    const m = 3;
    const k = 5;
    const d = 64;
    const rng = mulberry32(2);
    // Logits from −120 to 120 (exp underflow, large arguments) and near zero, x in [0, 1].
    const l = Float32Array.from({ length: m * k * d }, (_, i) =>
      i % 7 === 0 ? 240 * rng() - 120 : i % 3 === 0 ? 1e-3 * (rng() - 0.5) : 16 * rng() - 8,
    );
    const xs = Float32Array.from({ length: m * d }, () =>
      rng() < 0.3 ? rng() : Math.round(rng()),
    );
    const logits = tf.tensor2d(l, [m * k, d]);
    const x = tf.tensor2d(xs, [m, d]);
    const ours = bernoulliNllRows(logits, x, k)!;
    expect(ours).not.toBeNull();
    const rows = tf.gather(
      x,
      Int32Array.from({ length: m * k }, (_, i) => Math.floor(i / k)),
    );
    const expected = negativeLogLikelihood('bernoulli', logits, rows as tf.Tensor2D, 0.1);
    const [a, b] = [ours.dataSync(), expected.dataSync()];
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(2e-6 * Math.max(1, Math.abs(b[i]!)));
    }
  });
});

describe('whole-batch model runs', () => {
  it('equal predict, in one piece or several', () => {
    const vae = VaeClass.create(
      {
        inputShape: [8, 8, 1],
        latent: { kind: 'gaussian', dim: 3 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'conv', channels: [4, 8], convDense: 16 },
        likelihood: 'bernoulli',
      },
      5,
    );
    const z = tf.tensor2d(
      Float32Array.from({ length: 20 * 3 }, (_, i) => Math.sin(i)),
      [20, 3],
    );
    const expected = (vae.decoder.predict(z) as tf.Tensor).dataSync();
    for (const rows of [1024, 7]) {
      const ours = whole(vae.decoder, z, rows);
      expect(ours.shape).toEqual([20, 64]);
      const values = ours.dataSync();
      for (let i = 0; i < values.length; i++) {
        expect(Math.abs(values[i]! - expected[i]!)).toBeLessThan(1e-5);
      }
    }
    vae.dispose();
  });
});

describe('importance-weighted log-likelihood', () => {
  for (const likelihood of ['bernoulli', 'gaussian'] as const) {
    it(`equals the tiled, predict-based estimate (${likelihood}, several chunks)`, async () => {
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
      const ours = await importanceWeightedLogLikelihood(vae, data, {
        samples: 12,
        seed: 3,
        batchSize: 120,
      });
      const expected = reference(vae, data, 12, 3, 120);
      expect(Number.isFinite(ours)).toBe(true);
      expect(Math.abs(ours - expected)).toBeLessThan(1e-5 * Math.abs(expected));
      // And with the tfjs-ops form of the Bernoulli term instead of the SIMD kernel.
      setFastBernoulli(false);
      const ops = await importanceWeightedLogLikelihood(vae, data, {
        samples: 12,
        seed: 3,
        batchSize: 120,
      });
      setFastBernoulli(true);
      expect(Math.abs(ops - expected)).toBeLessThan(1e-5 * Math.abs(expected));
      vae.dispose();
    });
  }
});
