import { tf } from '../tf';
import { logGamma } from '../../shared/maths/special/gamma';
import { sharedFloat64Op } from './float64-op';
import { marsagliaTsang, sampleGamma } from './gamma-sampler';
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
 * The Power Spherical distribution (De Cao & Aziz 2020) on S^{d−1} ⊂ ℝ^d:
 * p(z; μ, κ) = (1 + μᵀz)^κ / N(κ, d), N = 2^{α+β} π^β Γ(α)/Γ(α+β), α = (d−1)/2 + κ, β = (d−1)/2.
 * Its component t = (1 + μᵀz)/2 is Beta(α, β): sampling needs no rejection loop on w and no
 * Bessel function, which makes it a stable alternative to the vMF with the same uniform prior.
 */

const LOG_2 = Math.log(2);

/** ψ(x), the digamma function, float64: recurrence up to x ≥ 10, then the asymptotic series. */
function digamma(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const r = 1 / (x * x);
  return (
    shift +
    Math.log(x) -
    0.5 / x -
    r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132)))))
  );
}

/** ψ₁(x), the trigamma function, float64. */
function trigamma(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift += 1 / (x * x);
    x += 1;
  }
  const r = 1 / (x * x);
  return (
    shift +
    1 / x +
    0.5 * r +
    (1 / x) * r * (1 / 6 - r * (1 / 30 - r * (1 / 42 - r * (1 / 30 - r * (5 / 66)))))
  );
}

/** log N(κ, d) = (α+β) log 2 + β log π + log Γ(α) − log Γ(α+β). */
export function powerSphericalLogNormalizer(d: number, kappa: number): number {
  const beta = (d - 1) / 2;
  const alpha = beta + kappa;
  return (
    (alpha + beta) * LOG_2 + beta * Math.log(Math.PI) + logGamma(alpha) - logGamma(alpha + beta)
  );
}

/** E[log(1 + μᵀz)] = log 2 + ψ(α) − ψ(α + β), also d/dκ log N. */
function meanLogOnePlusW(d: number, kappa: number): number {
  const beta = (d - 1) / 2;
  const alpha = beta + kappa;
  return LOG_2 + digamma(alpha) - digamma(alpha + beta);
}

/** KL(PS(μ, κ) ‖ U(S^{d−1})) = log|S^{d−1}| − H, H = log N − κ(log 2 + ψ(α) − ψ(α+β)). */
export function powerSphericalKlToUniform(d: number, kappa: number): number {
  return (
    logSphereArea(d) - powerSphericalLogNormalizer(d, kappa) + kappa * meanLogOnePlusW(d, kappa)
  );
}

/** d/dκ KL = κ(ψ₁(α) − ψ₁(α + β)). */
export function powerSphericalKlDerivative(d: number, kappa: number): number {
  const beta = (d - 1) / 2;
  const alpha = beta + kappa;
  return kappa * (trigamma(alpha) - trigamma(alpha + beta));
}

/** E[μᵀz] = (α − β)/(α + β) = κ/(κ + d − 1). */
export function powerSphericalMeanResultantLength(d: number, kappa: number): number {
  return kappa / (kappa + d - 1);
}

export function powerSphericalKlTensor<T extends tf.Tensor>(d: number, kappa: T): T {
  return sharedFloat64Op(
    `power-spherical-kl:${d}`,
    (k) => powerSphericalKlToUniform(d, k),
    (k) => powerSphericalKlDerivative(d, k),
  )(kappa);
}

export function powerSphericalLogNormalizerTensor<T extends tf.Tensor>(d: number, kappa: T): T {
  return sharedFloat64Op(
    `power-spherical-log-normalizer:${d}`,
    (k) => powerSphericalLogNormalizer(d, k),
    (k) => meanLogOnePlusW(d, k),
  )(kappa);
}

export class PowerSphericalPosterior extends SpherePosterior {
  /**
   * De Cao & Aziz (2020), Algorithm 1: t ~ Beta(α, β) as G_α/(G_α + G_β), w = 2t − 1, a uniform
   * tangent, and a Householder reflection onto μ. G_α = (α − ⅓)(1 + ε/√(9α − 3))³ is rebuilt from
   * its accepted Marsaglia-Tsang proposal ε so that the gradient reaches κ (α = κ + (d−1)/2 ≥ 1.5
   * since κ ≥ 1); G_β does not depend on the parameters.
   */
  sample(seed: number): tf.Tensor2D {
    const d = this.d;
    const n = this.mean.shape[0];
    const beta = (d - 1) / 2;
    const kappas = this.kappa.dataSync();
    const rng = samplingRng(seed, 0x95);
    const eps = new Float32Array(n);
    const gBeta = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      eps[i] = marsagliaTsang(beta + kappas[i], rng).eps;
      gBeta[i] = Math.max(sampleGamma(beta, rng), 1e-30);
    }
    const tangents = unitTangents(n, d, samplingRng(seed, 0x7a));
    return tf.tidy(() => {
      const alpha = tf.add(this.kappa, beta);
      const shape = tf.sub(alpha, 1 / 3);
      const gAlpha = tf.mul(
        shape,
        tf.pow(tf.add(1, tf.div(tf.tensor1d(eps), tf.sqrt(tf.mul(9, shape)))), 3),
      );
      const g2 = tf.tensor1d(gBeta);
      const total = tf.add(gAlpha, g2);
      const oneMinusW = tf.div(tf.mul(2, g2), total) as tf.Tensor1D;
      const onePlusW = tf.div(tf.mul(2, gAlpha), total) as tf.Tensor1D;
      return reflectOntoMean(this.mean, oneMinusW, onePlusW, tf.tensor2d(tangents, [n, d - 1]));
    });
  }

  /** Closed-form KL to the uniform prior, per row. */
  kl(): tf.Tensor1D {
    return powerSphericalKlTensor(this.d, this.kappa);
  }

  /** log q(z) = κ log(1 + μᵀz) − log N(κ, d). */
  logProb(z: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const onePlusW = tf.maximum(tf.add(1, tf.sum(tf.mul(this.mean, z), 1)), 1e-30);
      return tf.sub(
        tf.mul(this.kappa, tf.log(onePlusW)),
        powerSphericalLogNormalizerTensor(this.d, this.kappa),
      ) as tf.Tensor1D;
    });
  }
}

/** `--latent power-sphere`: Power Spherical posterior, uniform prior on S^{d−1}. */
export class PowerSphericalLatent extends SphereLatent {
  protected readonly family = PowerSphericalPosterior;
}

/** Uniform prior on S^(d−1), Power Spherical posterior (De Cao & Aziz 2020). */
export const powerSphericalDescriptor: GeometryDescriptor = {
  kind: 'power-sphere',
  label: 'Power sphere',
  description:
    'uniform prior on the hypersphere, power spherical posterior (no Bessel functions, no rejection)',
  spherical: true,
  minDim: 2,
  coverage: { prior: 'sphere' },
  parameters: [],
  refuses: SPHERE_REFUSES,
  refusesFlow: SPHERE_REFUSES_FLOW,
};
