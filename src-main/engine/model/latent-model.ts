import type { tf } from '../tf';
import type { ModelConfig } from '../../shared/config';
import type { LatentGeometry, Posterior } from '../latent/geometry';

/** A value now, or later: a tfjs model answers at once, ONNX Runtime asynchronously. */
export type Awaitable<T> = T | Promise<T>;

/**
 * What inference and evaluation need of a model, whatever runs its nets: a `Vae` on TensorFlow.js
 * or an `OnnxModel` on ONNX Runtime (a model trained elsewhere). Callers `await` every answer.
 * Tensors returned are the caller's to dispose.
 */
export interface LatentModel {
  readonly config: ModelConfig;
  readonly geometry: LatentGeometry;
  readonly latentDim: number;
  /** Values per item, the product of `config.inputShape`. */
  readonly inputSize: number;
  /**
   * What the encoder gives: `posterior`, the geometry's head (a density q(z|x): KL, ELBO and IWAE
   * are defined); `point`, one code per item (a deterministic encoder); `null`, no encoder.
   */
  readonly encoding: 'posterior' | 'point' | null;
  /**
   * Why a model without an encoder has none, when it is not a decoder-only model (an imported
   * embedding: its points are given vectors); refusals say this instead.
   */
  readonly noEncoder?: string;
  /** Evaluate at the posterior mean rather than a sample (deterministic objectives). */
  readonly pointEstimate: boolean;
  /**
   * q(z|x) for a batch of encoder heads (`posterior` encoders): the geometry's posterior, or what
   * the model makes of it (a flow on it).
   */
  posterior(head: tf.Tensor2D): Posterior;
  /** The encoder's output for x [n, inputSize]: the head [n, headSize], or the point [n, d]. */
  encoderOutput(x: tf.Tensor2D): Awaitable<tf.Tensor2D>;
  /** Logits of p(x | z) [n, inputSize] (logit-mapped where the decoder emits probabilities). */
  decoderLogits(z: tf.Tensor2D): Awaitable<tf.Tensor2D>;
  /** The encoder's raw head [n, headSize] (posterior encoders only). */
  encodeHead(x: Float32Array, n: number): Awaitable<Float32Array>;
  /** Posterior means or points, [n, d]. */
  encode(x: Float32Array, n: number): Awaitable<Float32Array>;
  /** Means [n, d] and each item's reconstruction error −log p(x | mean) in nats [n]. */
  encodeWithError(
    x: Float32Array,
    n: number,
  ): Awaitable<{ means: Float32Array; errors: Float32Array }>;
  /** Images (the mean of p(x | z), in [0, 1]) for z [n, d]. */
  decode(z: Float32Array, n: number): Awaitable<Float32Array>;
  /** n draws from the prior, [n, d]. */
  samplePrior(n: number, seed: number): Float32Array;
  dispose(): void;
}

/** The encoder, or a clear refusal naming what needed it. */
export function requireEncoding(model: LatentModel, what: string): 'posterior' | 'point' {
  if (!model.encoding)
    throw new Error(
      `${what} needs an encoder, and ${model.noEncoder ?? 'this model has only a decoder'}`,
    );
  return model.encoding;
}
