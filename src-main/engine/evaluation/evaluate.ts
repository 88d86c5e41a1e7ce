import { tf } from '../tf';
import type { Dataset } from '../data/dataset';
import { requireEncoding, type LatentModel } from '../model/latent-model';
import { negativeLogLikelihood } from '../model/likelihood';
import { mulberry32, mixSeed } from '../../shared/random';

/**
 * Test-set figures in nats per item. ELBO = −(reconstruction + KL). A deterministic encoder has
 * no posterior density: its KL and ELBO are null, and its reconstruction is at the encoded point.
 */
export interface Evaluation {
  elbo: number | null;
  reconstruction: number;
  kl: number | null;
  count: number;
}

/** The figures of a model with a posterior density (every model this engine trains). */
export interface ElboEvaluation extends Evaluation {
  elbo: number;
  kl: number;
}

export function withElbo(e: Evaluation): ElboEvaluation {
  if (e.elbo === null || e.kl === null)
    throw new Error('this model has no posterior density, hence no ELBO');
  return e as ElboEvaluation;
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
export async function evaluate(
  model: LatentModel,
  data: Dataset,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const batchSize = options.batchSize ?? 500;
  const size = model.inputSize;
  const encoding = requireEncoding(model, 'evaluation');
  let recon = 0;
  let kl = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const m = Math.min(batchSize, data.count - start);
    const indices = Array.from({ length: m }, (_, i) => start + i);
    const x = data.batch(indices);
    if (options.binarizeSeed !== undefined) binarize(x, mixSeed(options.binarizeSeed, start));
    const xt = tf.tensor2d(x, [m, size]);
    const head = await model.encoderOutput(xt);
    let z = head;
    if (encoding === 'posterior') {
      z = tf.tidy(() => {
        const posterior = model.posterior(head);
        const sample = model.pointEstimate
          ? posterior.mean
          : posterior.sample(mixSeed(options.seed ?? 0, start));
        kl += tf.sum(posterior.kl(sample)).dataSync()[0];
        return sample;
      });
      head.dispose();
    }
    const logits = await model.decoderLogits(z);
    recon += tf.tidy(
      () =>
        tf
          .sum(
            negativeLogLikelihood(model.config.likelihood, logits, xt, model.config.gaussianSigma),
          )
          .dataSync()[0],
    );
    tf.dispose([xt, z, logits]);
  }
  const n = Math.max(1, data.count);
  const reconstruction = recon / n;
  if (encoding === 'point') return { reconstruction, kl: null, elbo: null, count: data.count };
  return { reconstruction, kl: kl / n, elbo: -(recon + kl) / n, count: data.count };
}
