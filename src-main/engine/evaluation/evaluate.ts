import { tf } from '../tf';
import type { Dataset } from '../data/dataset';
import type { Vae } from '../model/model';
import { negativeLogLikelihood } from '../model/likelihood';
import { mulberry32, mixSeed } from '../../shared/random';

/** Test-set figures in nats per item. ELBO = −(reconstruction + KL). */
export interface Evaluation {
  elbo: number;
  reconstruction: number;
  kl: number;
  count: number;
}

/** Samples every pixel as a Bernoulli draw with its intensity as probability (in place). */
export function binarize(x: Float32Array, seed: number): Float32Array {
  const rng = mulberry32(seed);
  for (let i = 0; i < x.length; i++) x[i] = rng() < x[i] ? 1 : 0;
  return x;
}

export interface EvaluateOptions {
  batchSize?: number;
  /** Binarise items with this seed first (dynamically binarised data sets). */
  binarizeSeed?: number;
  seed?: number;
}

/** Single-sample ELBO, reconstruction and KL over a whole dataset, without gradients. */
export function evaluate(vae: Vae, data: Dataset, options: EvaluateOptions = {}): Evaluation {
  const batchSize = options.batchSize ?? 500;
  const size = vae.inputSize;
  if (!vae.encoder)
    throw new Error('evaluation needs an encoder, and this model has only a decoder');
  let recon = 0;
  let kl = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const m = Math.min(batchSize, data.count - start);
    const indices = Array.from({ length: m }, (_, i) => start + i);
    const x = data.batch(indices);
    if (options.binarizeSeed !== undefined) binarize(x, mixSeed(options.binarizeSeed, start));
    const [r, k] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [m, size]);
      const posterior = vae.geometry.posterior(whole(vae.encoder!, xt));
      const z = vae.objective.deterministic
        ? posterior.mean
        : posterior.sample(mixSeed(options.seed ?? 0, start));
      const nll = negativeLogLikelihood(
        vae.config.likelihood,
        decoderLogits(vae, z),
        xt,
        vae.config.gaussianSigma,
      );
      return [tf.sum(nll).dataSync()[0], tf.sum(posterior.kl(z)).dataSync()[0]];
    });
    recon += r;
    kl += k;
  }
  const n = Math.max(1, data.count);
  return { reconstruction: recon / n, kl: kl / n, elbo: -(recon + kl) / n, count: data.count };
}

/**
 * A model run on large batches: `predict` cuts its input into batches of 32 rows (its default),
 * so 5,000 importance samples became 157 small products and a concatenation. Pieces of at most
 * `rows` rows keep a conv net's activations bounded (a 64×64 decoder's are 128 KB a row).
 */
export function whole(model: tf.LayersModel, x: tf.Tensor2D, rows = 1024): tf.Tensor2D {
  const n = x.shape[0];
  if (n <= rows) return model.apply(x, { training: false }) as tf.Tensor2D;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i += rows) {
    const piece = tf.slice(x, [i, 0], [Math.min(rows, n - i), -1]);
    parts.push(
      tf.reshape(model.apply(piece, { training: false }) as tf.Tensor, [
        piece.shape[0],
        -1,
      ]) as tf.Tensor2D,
    );
  }
  return tf.concat(parts, 0);
}

/** Decoder logits for z [n, d] in one pass (Vae.logits without predict's batching). */
export function decoderLogits(vae: Vae, z: tf.Tensor2D): tf.Tensor2D {
  if (vae.decoderOutput !== 'logits') return vae.logits(z);
  return tf.reshape(whole(vae.decoder, z), [z.shape[0], -1]) as tf.Tensor2D;
}
