import { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import type { Objective, ObjectiveContext, Penalty } from './objective';
import { offDiagonalMean, squaredDistances, totalVariance } from './distances';
import type { ObjectiveDescriptor } from '../../shared/parts';

/**
 * Maximum mean discrepancy between the encoded batch and an equal-sized draw from the geometry's
 * own prior (InfoVAE, Zhao et al. 2019; WAE-MMD, Tolstikhin et al. 2018), by the unbiased
 * U-statistic (Gretton et al. 2012, Eq. 3):
 *   MMD²_u = mean_{i≠j} k(x_i, x_j) + mean_{i≠j} k(y_i, y_j) − 2 mean_{i,j} k(x_i, y_j).
 * Kernels, summed over scales s ∈ {0.1, 0.2, 0.5, 1, 2, 5, 10} with C = 2·d·σ² (σ² the prior's
 * per-coordinate variance, so 2d for N(0, I) and 2 on the unit sphere; WAE §4):
 *   imq: k = Σ_s sC/(sC + ‖x − y‖²)   (WAE's choice: heavy tails keep gradients for far outliers)
 *   rbf: k = Σ_s exp(−‖x − y‖²/(sC))
 * The IMQ values are larger, so the sensible weight differs between the two.
 */
export const MMD_SCALES = [0.1, 0.2, 0.5, 1, 2, 5, 10];

export type MmdKernel = 'imq' | 'rbf';

function kernel(sq: tf.Tensor2D, kind: MmdKernel, c: number): tf.Tensor2D {
  return tf.tidy(() => {
    let sum: tf.Tensor2D | undefined;
    for (const s of MMD_SCALES) {
      const cs = s * c;
      const k = kind === 'imq' ? tf.div(cs, tf.add(cs, sq)) : tf.exp(tf.div(sq, -cs));
      sum = (sum ? tf.add(sum, k) : k) as tf.Tensor2D;
    }
    return sum as tf.Tensor2D;
  });
}

/** Unbiased MMD² between samples x [n, d] and y [m, d], n, m ≥ 2; `c` = 2·d·σ². */
export function mmd(x: tf.Tensor2D, y: tf.Tensor2D, kind: MmdKernel, c: number): tf.Scalar {
  return tf.tidy(() => {
    const kxx = offDiagonalMean(kernel(squaredDistances(x, x), kind, c));
    const kyy = offDiagonalMean(kernel(squaredDistances(y, y), kind, c));
    const kxy = tf.mean(kernel(squaredDistances(x, y), kind, c));
    return tf.sub(tf.add(kxx, kyy), tf.mul(2, kxy)) as tf.Scalar;
  });
}

export class MmdObjective implements Objective {
  readonly deterministic = false;
  readonly kernel: MmdKernel;
  constructor(readonly config: ObjectiveConfig) {
    this.kernel = config.kernel ?? 'imq';
  }

  penalty({ geometry, z, seed }: ObjectiveContext): Penalty {
    return tf.tidy(() => {
      const prior = geometry.samplePrior(z.shape[0], seed);
      // C = 2·d·σ² = 2·E‖y − E y‖², estimated on the prior draw.
      const divergence = mmd(z, prior, this.kernel, 2 * totalVariance(prior));
      return { weighted: tf.mul(this.config.weight, divergence) as tf.Scalar, divergence };
    });
  }
}

export const mmdDescriptor: ObjectiveDescriptor = {
  kind: 'mmd',
  label: 'MMD (WAE)',
  description:
    'maximum mean discrepancy between the encoded batch and prior draws (Tolstikhin et al. 2018)',
  weight: 'λ',
  parameters: [],
};
