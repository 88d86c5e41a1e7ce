import type { tf } from '../tf';
import type { LatentGeometry, Posterior } from './geometry';

/** Why a point has no density: what KL, log q and IWAE refusals say. */
export const NO_DENSITY =
  'a deterministic encoder gives one code per item and no density q(z|x): KL, log q(z|x) and the importance-weighted bound are undefined';

/**
 * The "posterior" of a deterministic encoder (WAE, Tolstikhin et al. 2018): a point mass at the
 * code the geometry makes of the encoder's output (geometry.point: itself in ℝ^d, normalised on
 * the sphere). Sampling returns the point; a density does not exist, so KL and log q throw.
 * Objectives that only compare the whole encoded sample with the prior (MMD, sliced
 * Wasserstein, Cramér-Wold, CDF matching, L2) read only `mean`.
 */
export class PointPosterior implements Posterior {
  readonly mean: tf.Tensor2D;

  constructor(geometry: LatentGeometry, output: tf.Tensor2D) {
    this.mean = geometry.point ? geometry.point(output) : output;
  }

  sample(): tf.Tensor2D {
    return this.mean;
  }

  kl(): tf.Tensor1D {
    throw new Error(NO_DENSITY);
  }

  logProb(): tf.Tensor1D {
    throw new Error(NO_DENSITY);
  }
}
