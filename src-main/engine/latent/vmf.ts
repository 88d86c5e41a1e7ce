import { tf } from '../tf';
import {
  besselIRatio,
  logBesselI,
  logBesselIDerivative,
  logBesselIReduced,
} from '../special/bessel';
import { sampleGamma } from './gamma-sampler';
import { sharedFloat64Op } from './float64-op';
import {
  SphereLatent,
  SpherePosterior,
  logSphereArea,
  reflectOntoMean,
  samplingRng,
  unitTangents,
  SPHERE_REFUSES,
  SPHERE_REFUSES_FLOW,
} from './sphere';
import type { GeometryDescriptor } from '../../shared/parts';

/**
 * The von Mises-Fisher distribution on S^{d−1} ⊂ ℝ^d (d ambient dimensions, d ≥ 2):
 * q(z; μ, κ) = C_d(κ) exp(κ μᵀz), C_d(κ) = κ^{d/2−1} / ((2π)^{d/2} I_{d/2−1}(κ)), as the posterior
 * of the hyperspherical VAE (S-VAE, Davidson et al. 2018) with a uniform prior.
 */

// ---------------------------------------------------------------------------------------------
// float64 reference functions

/** A_d(κ) = I_{d/2}(κ)/I_{d/2−1}(κ) = E[μᵀz], the mean resultant length. */
export function vmfMeanResultantLength(d: number, kappa: number): number {
  return besselIRatio(d / 2 - 1, kappa);
}

/** log C_d(κ) = (d/2−1) log κ − (d/2) log 2π − log I_{d/2−1}(κ). */
export function vmfLogNormalizer(d: number, kappa: number): number {
  const v = d / 2 - 1;
  return v * Math.log(kappa) - (d / 2) * Math.log(2 * Math.PI) - logBesselI(v, kappa);
}

/**
 * KL(vMF(μ, κ) ‖ U(S^{d−1})) = κA_d(κ) + log C_d(κ) + log|S^{d−1}|
 *                            = κA_d(κ) − log[Γ(d/2)(κ/2)^{1−d/2} I_{d/2−1}(κ)],
 * the second form free of the cancellation between log C_d and log|S^{d−1}| (both ≈ ±127 at d = 128
 * while the KL is 4e-7 at κ = 0.01).
 */
export function vmfKlToUniform(d: number, kappa: number): number {
  if (kappa === 0) return 0;
  return kappa * vmfMeanResultantLength(d, kappa) - logBesselIReduced(d / 2 - 1, kappa);
}

/** d/dκ KL(vMF ‖ U) = κ A_d'(κ) = κ(1 − A²) − (d − 1)A, using A_d' = 1 − A_d² − (d−1)A_d/κ. */
export function vmfKlDerivative(d: number, kappa: number): number {
  const a = vmfMeanResultantLength(d, kappa);
  return kappa * (1 - a) * (1 + a) - (d - 1) * a;
}

export { logSphereArea };

// ---------------------------------------------------------------------------------------------
// tensor ops (float64 inside, float32 out, exact gradients)

/** log I_v(κ) elementwise; d/dκ = I_{v+1}/I_v + v/κ. */
export function logBesselITensor<T extends tf.Tensor>(v: number, kappa: T): T {
  return sharedFloat64Op(
    `log-bessel-i:${v}`,
    (k) => logBesselI(v, k),
    (k) => logBesselIDerivative(v, k),
  )(kappa);
}

/** log C_d(κ) elementwise; d/dκ = −A_d(κ). */
export function vmfLogNormalizerTensor<T extends tf.Tensor>(d: number, kappa: T): T {
  return sharedFloat64Op(
    `vmf-log-normalizer:${d}`,
    (k) => vmfLogNormalizer(d, k),
    (k) => -vmfMeanResultantLength(d, k),
  )(kappa);
}

/** KL(vMF(·, κ) ‖ U(S^{d−1})) elementwise, with its exact derivative. */
export function vmfKlTensor<T extends tf.Tensor>(d: number, kappa: T): T {
  return sharedFloat64Op(
    `vmf-kl:${d}`,
    (k) => vmfKlToUniform(d, k),
    (k) => vmfKlDerivative(d, k),
  )(kappa);
}

// ---------------------------------------------------------------------------------------------
// sampling

const MAX_ROUNDS = 1000;

/**
 * Draws w = μᵀz for each κ by Wood's (1994) rejection sampler as Davidson et al. (2018, Alg. 2)
 * state it, with b = (d−1)/(2κ + √(4κ² + (d−1)²)) (no cancellation at large κ), and returns the
 * accepted proposal ε ~ Beta((d−1)/2, (d−1)/2) per row; w(ε; κ) is then rebuilt in the graph so
 * that gradients reach κ through the accepted proposal. float64, seeded.
 */
export function woodAcceptedProposals(
  d: number,
  kappas: ArrayLike<number>,
  seed: number,
): Float64Array {
  const rng = samplingRng(seed, 0x77);
  const a = (d - 1) / 2;
  const out = new Float64Array(kappas.length);
  for (let i = 0; i < kappas.length; i++) {
    const kappa = kappas[i];
    const b = (d - 1) / (2 * kappa + Math.sqrt(4 * kappa * kappa + (d - 1) * (d - 1)));
    const x0 = (1 - b) / (1 + b);
    const c = kappa * x0 + (d - 1) * Math.log(1 - x0 * x0);
    let eps = 0.5;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const g1 = sampleGamma(a, rng);
      eps = g1 / (g1 + sampleGamma(a, rng));
      const w = (1 - (1 + b) * eps) / (1 - (1 - b) * eps);
      const u = 1 - rng(); // (0, 1]
      if (kappa * w + (d - 1) * Math.log(1 - x0 * w) - c >= Math.log(u)) break;
    }
    out[i] = eps;
  }
  return out;
}

/** Keeps a Beta proposal strictly inside (0, 1) in float32. */
const clampUnit = (x: number) => Math.min(Math.max(x, 1e-12), 1 - 1e-7);

export class VmfPosterior extends SpherePosterior {
  /**
   * z ~ vMF(μ, κ), reparameterised through the accepted proposal (Davidson et al. 2018, §3.2):
   * gradients reach μ through the Householder reflection and κ through w(ε; κ). The correction
   * term g_cor of their Eq. 11 (a score-function term for the acceptance step) is left out, as in
   * the authors' own implementation; it is small where the acceptance rate is high.
   */
  sample(seed: number): tf.Tensor2D {
    const d = this.d;
    const n = this.mean.shape[0];
    const kappas = this.kappa.dataSync();
    const tangents = unitTangents(n, d, samplingRng(seed, 0x7a));
    return tf.tidy(() => {
      let oneMinusW: tf.Tensor1D;
      let onePlusW: tf.Tensor1D;
      if (d === 3) {
        // Closed form for S^2 (Jakob 2012): w = 1 + log(u + (1 − u)e^{−2κ})/κ, u ~ U(0, 1).
        const rng = samplingRng(seed, 0x33);
        const u = Float32Array.from({ length: n }, () => clampUnit(1 - rng()));
        const ut = tf.tensor1d(u);
        const inner = tf.add(ut, tf.mul(tf.sub(1, ut), tf.exp(tf.mul(-2, this.kappa))));
        oneMinusW = tf.div(tf.neg(tf.log(inner)), this.kappa) as tf.Tensor1D;
        onePlusW = tf.sub(2, oneMinusW) as tf.Tensor1D;
      } else {
        const eps = tf.tensor1d(
          Float32Array.from(woodAcceptedProposals(d, kappas, seed), clampUnit),
        );
        const k = this.kappa;
        const b = tf.div(
          d - 1,
          tf.add(tf.mul(2, k), tf.sqrt(tf.add(tf.mul(4, tf.square(k)), (d - 1) ** 2))),
        );
        const denominator = tf.sub(1, tf.mul(tf.sub(1, b), eps)); // 1 − (1 − b)ε
        // w = (1 − (1+b)ε)/(1 − (1−b)ε), so 1 − w = 2bε/(…) and 1 + w = 2(1 − ε)/(…).
        oneMinusW = tf.div(tf.mul(tf.mul(2, b), eps), denominator) as tf.Tensor1D;
        onePlusW = tf.div(tf.mul(2, tf.sub(1, eps)), denominator) as tf.Tensor1D;
      }
      return reflectOntoMean(this.mean, oneMinusW, onePlusW, tf.tensor2d(tangents, [n, d - 1]));
    });
  }

  /** Closed-form KL to the uniform prior, per row. */
  kl(): tf.Tensor1D {
    return vmfKlTensor(this.d, this.kappa);
  }

  /** log q(z) = log C_d(κ) + κ μᵀz. */
  logProb(z: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(
      () =>
        tf.add(
          vmfLogNormalizerTensor(this.d, this.kappa),
          tf.mul(this.kappa, tf.sum(tf.mul(this.mean, z), 1)),
        ) as tf.Tensor1D,
    );
  }
}

/** `--latent sphere`: vMF posterior, uniform prior on S^{d−1}. */
export class VmfLatent extends SphereLatent {
  protected readonly family = VmfPosterior;
}

/** Uniform prior on S^(d−1), von Mises–Fisher posterior (Davidson et al. 2018). */
export const vmfDescriptor: GeometryDescriptor = {
  kind: 'sphere',
  label: 'Sphere (vMF)',
  description: 'uniform prior on the hypersphere, von Mises–Fisher posterior',
  spherical: true,
  minDim: 2,
  coverage: { prior: 'sphere' },
  parameters: [],
  refuses: SPHERE_REFUSES,
  refusesFlow: SPHERE_REFUSES_FLOW,
};
