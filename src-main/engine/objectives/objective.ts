import type { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import type { LatentGeometry, Posterior } from '../latent/geometry';

export interface ObjectiveContext {
  geometry: LatentGeometry;
  posterior: Posterior;
  /** The latent codes fed to the decoder for this batch, [n, d]. */
  z: tf.Tensor2D;
  /** Optimisation step (for warm-up schedules). */
  step: number;
  /** Seed for any randomness this step (prior draws, projections). */
  seed: number;
}

export interface Penalty {
  /** The term added to the batch-mean reconstruction loss, already weighted. */
  weighted: tf.Scalar;
  /** The unweighted divergence estimate, for reporting. */
  divergence: tf.Scalar;
}

/**
 * How the encoded data is pulled towards the prior: KL, MMD, sliced Wasserstein, Cramér-Wold,
 * L2. One file per objective, registered in `registry.ts`.
 */
export interface Objective {
  readonly config: ObjectiveConfig;
  /** True when the decoder should see the posterior mean rather than a sample (RAE / L2). */
  readonly deterministic: boolean;
  penalty(ctx: ObjectiveContext): Penalty;
  /** For objectives whose prior is fitted to the codes after training (RAE): fit it. */
  fitPrior?(codes: Float32Array, n: number, d: number, seed: number): FittedPrior;
  /** Rebuilds a fitted prior from its JSON (as stored in a checkpoint manifest). */
  restorePrior?(json: unknown): FittedPrior;
}

/** A prior fitted to the codes: something to sample from, stored as JSON. */
export interface FittedPrior {
  sample(n: number, seed: number): Float32Array;
  toJSON(): unknown;
}
