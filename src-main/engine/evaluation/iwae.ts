import { tf } from '../tf';
import type { Dataset } from '../data/dataset';
import type { Vae } from '../model/model';
import { negativeLogLikelihood } from '../model/likelihood';
import { binarize, decoderLogits, whole } from './evaluate';
import { mixSeed } from '../../shared/random';
import { bernoulliNllRows } from '../kernels/bernoulli';

export interface IwaeOptions {
  /** Importance samples per item (k in Burda et al. 2016). */
  samples: number;
  batchSize?: number;
  seed?: number;
  binarizeSeed?: number;
}

/**
 * The importance-weighted bound on log p(x) (Burda et al. 2016, eq. 8):
 *   log p(x) ≥ E[log (1/k) Σ_j p(x|z_j) p(z_j) / q(z_j|x)],  z_j ~ q(z|x),
 * which tightens towards log p(x) as k grows. Returns the mean over the dataset in nats.
 */
export function importanceWeightedLogLikelihood(
  vae: Vae,
  data: Dataset,
  options: IwaeOptions,
): number {
  const encoder = vae.encoder;
  if (!encoder)
    throw new Error(
      'the log-likelihood estimate needs an encoder, and this model has only a decoder',
    );
  const k = options.samples;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`--iw needs a positive integer sample count, got ${k}`);
  const size = vae.inputSize;
  const batch = Math.max(1, Math.floor((options.batchSize ?? 5_000) / k));
  let total = 0;
  for (let start = 0; start < data.count; start += batch) {
    const m = Math.min(batch, data.count - start);
    const x = data.batch(Array.from({ length: m }, (_, i) => start + i));
    if (options.binarizeSeed !== undefined) binarize(x, mixSeed(options.binarizeSeed, start));
    total += tf.tidy(() => {
      const xt = tf.tensor2d(x, [m, size]);
      const head = whole(encoder, xt);
      // Every item k times (item-major), one row per importance sample, gathered row by row.
      const rows = tf.tensor1d(
        Int32Array.from({ length: m * k }, (_, i) => Math.floor(i / k)),
        'int32',
      );
      const repeat = (t: tf.Tensor2D) => tf.gather(t, rows) as tf.Tensor2D;
      const posterior = vae.geometry.posterior(repeat(head));
      const z = posterior.sample(mixSeed(options.seed ?? 0, start));
      // All m·k samples go through the decoder as one batch.
      const logits = decoderLogits(vae, z);
      const logPx = tf.neg(
        vae.config.likelihood === 'bernoulli'
          ? bernoulliNll(logits, xt, k)
          : negativeLogLikelihood(
              vae.config.likelihood,
              logits,
              repeat(xt),
              vae.config.gaussianSigma,
            ),
      );
      const logW = tf.reshape(
        tf.sub(tf.add(logPx, vae.geometry.logPrior(z)), posterior.logProb(z)),
        [m, k],
      );
      return tf.sum(tf.sub(tf.logSumExp(logW, 1), Math.log(k))).dataSync()[0];
    });
  }
  return total / Math.max(1, data.count);
}

/**
 * −log p(x | z) for Bernoulli pixels, per sample row, where logits [m·k, D] holds k rows per item
 * of x [m, D]: Σ softplus(l) − Σ x·l, the same sigmoid cross-entropy as likelihood.ts, written so
 * that x is never repeated k times: the x·l term is one batched product [m, k, D]·[m, D, 1].
 */
function bernoulliNll(logits: tf.Tensor2D, x: tf.Tensor2D, k: number): tf.Tensor1D {
  // One SIMD pass over the logits on wasm (kernels/bernoulli.ts); tfjs ops elsewhere.
  const fused = bernoulliNllRows(logits, x, k);
  if (fused) return fused;
  const [m, size] = x.shape;
  const soft = tf.sum(tf.softplus(logits), 1);
  const dot = tf.matMul(
    tf.reshape(logits, [m, k, size]) as tf.Tensor3D,
    tf.reshape(x, [m, size, 1]) as tf.Tensor3D,
  );
  return tf.sub(soft, tf.reshape(dot, [m * k])) as tf.Tensor1D;
}
