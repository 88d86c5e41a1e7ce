import { tf } from './tf';
import type { Dataset } from './data/dataset';
import type { Vae } from './model';
import { negativeLogLikelihood } from './likelihood';
import { binarize } from './evaluate';
import { mixSeed } from './random';

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
      const head = encoder.predict(xt) as tf.Tensor2D;
      // Repeat every item k times (item-major) so one posterior draw per row gives k per item.
      const repeat = (t: tf.Tensor2D) =>
        tf.reshape(tf.tile(tf.expandDims(t, 1), [1, k, 1]), [m * k, -1]) as tf.Tensor2D;
      const posterior = vae.geometry.posterior(repeat(head));
      const z = posterior.sample(mixSeed(options.seed ?? 0, start));
      const logPx = tf.neg(
        negativeLogLikelihood(
          vae.config.likelihood,
          vae.logits(z),
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
