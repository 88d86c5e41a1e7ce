import type { tf } from '../tf';
import type { LatentConfig } from '../../shared/config';

/**
 * q(z|x) for a batch: what the encoder's head means under one latent geometry.
 * Every tensor is [n, d] or [n]; callers own (and dispose, or tidy) what these return.
 */
export interface Posterior {
  /** Point estimate per row: the Gaussian mean, the vMF mean direction μ. */
  readonly mean: tf.Tensor2D;
  /** A reparameterised sample z ~ q(z|x), differentiable with respect to the encoder's head. */
  sample(seed: number): tf.Tensor2D;
  /** KL(q(z|x) ‖ p(z)) per row: closed form where it exists, else a Monte Carlo estimate at `z`. */
  kl(z: tf.Tensor2D): tf.Tensor1D;
  /** KL per latent dimension, [n, d], where q and p factorise over dimensions. */
  klPerDim?(): tf.Tensor2D;
  /** log q(z|x) per row, for the importance-weighted bound. */
  logProb(z: tf.Tensor2D): tf.Tensor1D;
}

/**
 * A latent geometry: the space z lives in, its prior p(z) and the family of q(z|x).
 * One file per geometry, registered in `registry.ts`.
 */
export interface LatentGeometry {
  readonly config: LatentConfig;
  /** Dimension of z (ambient dimension for sphere latents). */
  readonly dim: number;
  /** Width of the encoder's output head, e.g. 2d for a diagonal Gaussian (mean, log-variance). */
  readonly headSize: number;
  /** Interprets a batch of encoder heads [n, headSize]. */
  posterior(head: tf.Tensor2D): Posterior;
  /**
   * Where a deterministic encoder's output [n, d] lands in this geometry: itself in ℝ^d (absent),
   * normalised onto the sphere for sphere latents.
   */
  point?(output: tf.Tensor2D): tf.Tensor2D;
  /** n draws from the prior, [n, d]. */
  samplePrior(n: number, seed: number): tf.Tensor2D;
  /** log p(z) per row. */
  logPrior(z: tf.Tensor2D): tf.Tensor1D;
  /** Learnable prior parameters (e.g. mixture means), trained with the nets and checkpointed. */
  readonly variables: readonly tf.Variable[];
  /** An extra batch-averaged loss term the geometry needs (e.g. against mixture collapse). */
  regularizer?(posterior: Posterior, z: tf.Tensor2D): tf.Scalar;
  /** Weight of `consistency`; 0 or absent skips the second encoder pass it costs. */
  readonly invariance?: number;
  /**
   * A weighted loss asking the posterior of a randomly distorted image (augment.ts) to agree with
   * the clean one's; training adds it for image inputs only.
   */
  consistency?(clean: Posterior, perturbed: Posterior): tf.Scalar;
  dispose(): void;
}
