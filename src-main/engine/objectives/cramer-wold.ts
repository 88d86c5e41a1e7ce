import { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import { GaussianLatent } from '../latent/gaussian';
import { cramerWoldPhiTensor } from './cramer-wold-phi';
import { squaredDistances } from './distances';
import type { Objective, ObjectiveContext, Penalty } from './objective';
import type { ObjectiveDescriptor } from '../../shared/parts';

/**
 * The Cramér-Wold distance (CWAE, Tabor et al. 2018): project both laws on every direction v of
 * S^{D−1}, smooth each 1-D projection with N(0, γ), and average the squared L2 distance of the
 * smoothed densities over v. With ∫N(a, s₁)N(b, s₂) = N(a − b; 0, s₁ + s₂) and
 * E_v exp(−(vᵀy)²/(2σ²)) = φ_D(‖y‖²/(2σ²)), φ_D(s) = 1F1(½; D/2; −s), it has closed forms:
 *
 * sample X (n points) against N(0, I) (their Theorem 3.1 / the CWAE cost):
 *   d² = 1/(2n²√(πγ)) Σ_ij φ_D(‖x_i − x_j‖²/(4γ)) + 1/(2√(π(1 + γ)))
 *        − 2/(n√(2π(1 + 2γ))) Σ_i φ_D(‖x_i‖²/(2 + 4γ));
 * sample X against sample Y (any prior we can draw from):
 *   d² = 1/(2√(πγ)) [mean_ij k(x_i, x_j) + mean_ij k(y_i, y_j) − 2 mean_ij k(x_i, y_j)],
 *   k(x, y) = φ_D(‖x − y‖²/(4γ)).
 * γ = (4/(3n))^{2/5} (Silverman's rule for unit variance, as the paper). φ_D is evaluated
 * accurately for every D (cramer-wold-phi.ts), where the public code refuses D = 3..19.
 * The penalty is λ·log d², as CWAE trains; `divergence` reports d².
 */

export function cramerWoldGamma(n: number): number {
  return Math.pow(4 / (3 * n), 2 / 5);
}

/** d²_CW between the sample x [n, D] and N(0, I_D). */
export function cramerWoldToNormal(x: tf.Tensor2D, gamma = cramerWoldGamma(x.shape[0])): tf.Scalar {
  return tf.tidy(() => {
    const [n, d] = x.shape;
    const pairs = tf.sum(cramerWoldPhiTensor(d, tf.div(squaredDistances(x, x), 4 * gamma)));
    const norms = tf.sum(cramerWoldPhiTensor(d, tf.div(tf.sum(tf.square(x), 1), 2 + 4 * gamma)));
    return tf.addN([
      tf.mul(1 / (2 * n * n * Math.sqrt(Math.PI * gamma)), pairs),
      tf.scalar(1 / (2 * Math.sqrt(Math.PI * (1 + gamma)))),
      tf.mul(-2 / (n * Math.sqrt(2 * Math.PI * (1 + 2 * gamma))), norms),
    ]) as tf.Scalar;
  });
}

/** d²_CW between the samples x [n, D] and y [m, D]. */
export function cramerWoldBetweenSamples(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  gamma = cramerWoldGamma(x.shape[0]),
): tf.Scalar {
  return tf.tidy(() => {
    const d = x.shape[1];
    const k = (a: tf.Tensor2D, b: tf.Tensor2D) =>
      tf.mean(cramerWoldPhiTensor(d, tf.div(squaredDistances(a, b), 4 * gamma)));
    const sum = tf.sub(tf.add(k(x, x), k(y, y)), tf.mul(2, k(x, y)));
    return tf.mul(1 / (2 * Math.sqrt(Math.PI * gamma)), sum) as tf.Scalar;
  });
}

export class CramerWoldObjective implements Objective {
  readonly deterministic = false;
  constructor(readonly config: ObjectiveConfig) {}

  penalty({ geometry, z, seed }: ObjectiveContext): Penalty {
    return tf.tidy(() => {
      const divergence =
        geometry instanceof GaussianLatent
          ? cramerWoldToNormal(z)
          : cramerWoldBetweenSamples(z, geometry.samplePrior(z.shape[0], seed));
      const weighted = tf.mul(
        this.config.weight,
        tf.log(tf.maximum(divergence, 1e-12)),
      ) as tf.Scalar;
      return { weighted, divergence };
    });
  }
}

export const cramerWoldDescriptor: ObjectiveDescriptor = {
  kind: 'cw',
  label: 'Cramér–Wold',
  description:
    'Cramér-Wold distance to the prior, in closed form against N(0, I) (Tabor et al. 2018)',
  weight: 'λ',
  parameters: [],
};
