import { tf } from '../tf';
import type { Dataset } from '../data/dataset';
import { requireEncoding, type LatentModel } from '../model/latent-model';
import { negativeLogLikelihood } from '../model/likelihood';
import { binarize } from './evaluate';
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
export async function importanceWeightedLogLikelihood(
  model: LatentModel,
  data: Dataset,
  options: IwaeOptions,
): Promise<number> {
  if (requireEncoding(model, 'the log-likelihood estimate') === 'point')
    throw new Error(
      'the log-likelihood estimate (IWAE) needs a posterior density q(z|x), and this encoder gives only a point per item',
    );
  const k = options.samples;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`--iw needs a positive integer sample count, got ${k}`);
  const size = model.inputSize;
  const { likelihood, gaussianSigma } = model.config;
  const batch = Math.max(1, Math.floor((options.batchSize ?? 5_000) / k));
  let total = 0;
  for (let start = 0; start < data.count; start += batch) {
    const m = Math.min(batch, data.count - start);
    const x = data.batch(Array.from({ length: m }, (_, i) => start + i));
    if (options.binarizeSeed !== undefined) binarize(x, mixSeed(options.binarizeSeed, start));
    const xt = tf.tensor2d(x, [m, size]);
    const head = await model.encoderOutput(xt);
    // Every item k times (item-major), one row per importance sample, gathered row by row.
    const rows = tf.tensor1d(
      Int32Array.from({ length: m * k }, (_, i) => Math.floor(i / k)),
      'int32',
    );
    const repeat = (t: tf.Tensor2D) => tf.gather(t, rows) as tf.Tensor2D;
    const [z, logQ] = tf.tidy(() => {
      const posterior = model.posterior(repeat(head));
      const sample = posterior.sample(mixSeed(options.seed ?? 0, start));
      return [sample, posterior.logProb(sample)];
    });
    // All m·k samples go through the decoder as one batch.
    const logits = await model.decoderLogits(z);
    total += tf.tidy(() => {
      const logPx = tf.neg(
        likelihood === 'bernoulli'
          ? bernoulliNll(logits, xt, k)
          : negativeLogLikelihood(likelihood, logits, repeat(xt), gaussianSigma),
      );
      const logW = tf.reshape(tf.sub(tf.add(logPx, model.geometry.logPrior(z)), logQ), [m, k]);
      return tf.sum(tf.sub(tf.logSumExp(logW, 1), Math.log(k))).dataSync()[0];
    });
    tf.dispose([xt, head, rows, z, logQ, logits]);
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
