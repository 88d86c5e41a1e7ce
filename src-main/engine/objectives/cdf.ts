import { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import type { ObjectiveDescriptor } from '../../shared/parts';
import { chiCdf, chiLogPdf } from '../../shared/maths/special/chi';
import { logGamma } from '../../shared/maths/special/gamma';
import { sphereMarginalCdf } from '../../shared/maths/special/sphere-marginal';
import type { Objective, ObjectiveContext, Penalty } from './objective';

/**
 * Matching the empirical distribution functions of what a Gaussian (or uniform spherical) prior
 * fixes in closed form, instead of the whole density (the proposal of the seed thread on what
 * "Gaussian latents" should mean):
 *
 * - Gaussian prior N(0, I_d): the radii ‖z_i‖ follow chi_d, and the pairwise distances
 *   ‖z_i − z_j‖ follow √2·chi_d (z_i − z_j ~ N(0, 2I)).
 * - Uniform prior on S^{d−1} (vMF, Power Spherical): every radius is 1, and the inner products
 *   z_i·z_j follow the sphere's marginal law, (1 + t)/2 ~ Beta((d−1)/2, (d−1)/2).
 *
 * Each is compared by the Cramér–von Mises distance ω² = ∫(F_m − F)² dF, which for sorted
 * u_(k) = F(x_(k)) is (1/m)·Σ_k (u_(k) − (2k − 1)/(2m))² + 1/(12m²) (Anderson 1962, eq. 1.6 /
 * the W² statistic divided by m). The divergence is n·(ω²_radius + ω²_pairs) for a batch of n:
 * n·ω² is the classic W² at the batch's size, about 1/6 when the values follow the law, so the
 * weight λ means the same at any batch size. All n(n−1)/2 pairs are used (their empirical CDF
 * is an unbiased estimate of the pair law; they are not independent, which a loss need not be).
 *
 * The statistic is smooth almost everywhere: sorting is locally constant, so
 * ∂ω²/∂x_j = (2/m)(u_j − c_rank(j))·f(x_j) with f the law's density, chained through
 * ∂‖z_i‖/∂z_i = z_i/‖z_i‖, ∂‖z_i − z_j‖/∂z_i = (z_i − z_j)/‖z_i − z_j‖ and ∂(z_i·z_j)/∂z_i = z_j.
 * It is computed on the CPU in float64 (one custom op), like the sorts of the sliced
 * Wasserstein objective: tfjs has no differentiable sort on wasm.
 */

/** The law the codes' radii and pairs are compared with. */
type Prior = 'gaussian' | 'sphere';

/** Geometries whose prior is N(0, I) or uniform on the sphere, the laws this objective knows. */
const PRIORS: Record<string, Prior> = {
  gaussian: 'gaussian',
  sphere: 'sphere',
  'power-sphere': 'sphere',
};

/** ω² of the values x against the CDF F with density f; adds ∂ω²/∂x_j into `grad`. */
export function cramerVonMises(
  x: Float64Array,
  cdf: (v: number) => number,
  pdf: (v: number) => number,
  grad: Float64Array,
): number {
  const m = x.length;
  if (m === 0) return 0;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  let sum = 1 / (12 * m);
  for (let k = 0; k < m; k++) {
    const j = order[k];
    const gap = cdf(x[j]) - (2 * k + 1) / (2 * m);
    sum += gap * gap;
    grad[j] += (2 / m) * gap * pdf(x[j]);
  }
  return sum / m;
}

/** Density of t = u·v for independent uniform u, v on S^{d−1}. */
function sphereMarginalPdf(t: number, d: number): number {
  const a = (d - 1) / 2;
  // Clamped off ±1, where the density is infinite for d = 2.
  const c = Math.min(1 - 1e-9, Math.max(-1 + 1e-9, t));
  const logBeta = 2 * logGamma(a) - logGamma(2 * a);
  return 0.5 * Math.exp((a - 1) * (Math.log((1 + c) / 2) + Math.log((1 - c) / 2)) - logBeta);
}

/**
 * The divergence n·(ω²_radius + ω²_pairs) of codes z [n, d] from `prior`, and its gradient
 * with respect to z (float64, row-major).
 */
export function cdfDivergence(
  z: ArrayLike<number>,
  n: number,
  d: number,
  prior: Prior,
): { value: number; gradient: Float64Array } {
  const gradient = new Float64Array(n * d);
  if (n < 2) return { value: 0, gradient };
  let value = 0;
  if (prior === 'gaussian') {
    const radii = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += z[i * d + k] ** 2;
      radii[i] = Math.sqrt(s);
    }
    const dr = new Float64Array(n);
    value += cramerVonMises(
      radii,
      (r) => chiCdf(r, d),
      (r) => Math.exp(chiLogPdf(r, d)),
      dr,
    );
    for (let i = 0; i < n; i++) {
      if (!(radii[i] > 0)) continue;
      const g = dr[i] / radii[i];
      for (let k = 0; k < d; k++) gradient[i * d + k] += g * z[i * d + k];
    }
  }
  // Pairs i < j, in order: (0,1), (0,2), …, (1,2), …
  const m = (n * (n - 1)) / 2;
  const values = new Float64Array(m);
  let p = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++, p++) {
      let s = 0;
      if (prior === 'gaussian') {
        for (let k = 0; k < d; k++) s += (z[i * d + k] - z[j * d + k]) ** 2;
        values[p] = Math.sqrt(s);
      } else {
        for (let k = 0; k < d; k++) s += z[i * d + k] * z[j * d + k];
        values[p] = s;
      }
    }
  const dv = new Float64Array(m);
  value +=
    prior === 'gaussian'
      ? cramerVonMises(
          values,
          (s) => chiCdf(s / Math.SQRT2, d),
          (s) => Math.exp(chiLogPdf(s / Math.SQRT2, d)) / Math.SQRT2,
          dv,
        )
      : cramerVonMises(
          values,
          (t) => sphereMarginalCdf(t, d),
          (t) => sphereMarginalPdf(t, d),
          dv,
        );
  p = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++, p++) {
      const g = dv[p];
      if (g === 0) continue;
      if (prior === 'gaussian') {
        if (!(values[p] > 0)) continue;
        const h = g / values[p];
        for (let k = 0; k < d; k++) {
          const diff = h * (z[i * d + k] - z[j * d + k]);
          gradient[i * d + k] += diff;
          gradient[j * d + k] -= diff;
        }
      } else {
        for (let k = 0; k < d; k++) {
          gradient[i * d + k] += g * z[j * d + k];
          gradient[j * d + k] += g * z[i * d + k];
        }
      }
    }
  for (let k = 0; k < gradient.length; k++) gradient[k] *= n;
  return { value: n * value, gradient };
}

/** The divergence as a differentiable scalar of z [n, d]. */
export function cdfDivergenceTensor(z: tf.Tensor2D, prior: Prior): tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const [n, d] = x.shape;
    const { value, gradient } = cdfDivergence(x.dataSync(), n, d, prior);
    return {
      value: tf.scalar(value),
      gradFunc: (dy: tf.Tensor) =>
        tf.tidy(() => [
          tf.mul(dy, tf.tensor2d(Float32Array.from(gradient), [n, d])) as tf.Tensor2D,
        ]),
    };
  });
  return op(z) as tf.Scalar;
}

export class CdfObjective implements Objective {
  readonly deterministic = false;
  constructor(readonly config: ObjectiveConfig) {}

  penalty({ geometry, z }: ObjectiveContext): Penalty {
    const prior = PRIORS[geometry.config.kind];
    if (!prior)
      throw new Error(`the cdf objective knows no radius law for ${geometry.config.kind}`);
    return tf.tidy(() => {
      const divergence = cdfDivergenceTensor(z, prior);
      return { weighted: tf.mul(this.config.weight, divergence) as tf.Scalar, divergence };
    });
  }
}

export const cdfDescriptor: ObjectiveDescriptor = {
  kind: 'cdf',
  label: 'CDF matching',
  description:
    'Cramér–von Mises distance between the empirical CDFs of the radii and pairwise distances of the batch and their laws under the prior (chi_d, √2·chi_d)',
  weight: 'λ',
  parameters: [],
  geometries: {
    only: Object.keys(PRIORS),
    reason:
      'the cdf objective compares radii and pairwise distances with their closed-form laws under N(0, I) or the uniform sphere; a learnt mixture prior has no such law',
  },
};
