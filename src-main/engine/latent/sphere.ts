import { tf } from '../tf';
import type { LatentConfig } from '../../shared/config';
import { logGamma } from '../../shared/maths/special/gamma';
import { mulberry32, normal, subSeed, type Rng } from '../../shared/random';
import type { LatentGeometry, Posterior } from './geometry';

/**
 * What every distribution on the unit sphere S^{d−1} ⊂ ℝ^d shares here: a uniform prior, an
 * encoder head of d + 1 numbers (a direction and a concentration) and the sampling pattern
 * "draw w = μ·z, draw a uniform tangent direction, reflect e1 onto μ" (Wood 1994; Davidson et al.
 * 2018; De Cao & Aziz 2020).
 */

/** log |S^{d−1}| = log(2π^{d/2}/Γ(d/2)), the log surface area of the unit sphere in ℝ^d. */
export function logSphereArea(d: number): number {
  return Math.log(2) + (d / 2) * Math.log(Math.PI) - logGamma(d / 2);
}

/** Concentrations are kept in [KAPPA_MIN, KAPPA_MAX]: the range the log-Bessel code is tested on. */
export const KAPPA_MIN = 1;
export const KAPPA_MAX = 1e5;

/** Rows scaled to unit length (rows of zeros stay finite). */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(
    () => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D,
  );
}

/**
 * Splits an encoder head [n, d+1] into a mean direction μ = h_{1..d}/‖h_{1..d}‖ and a
 * concentration κ = 1 + softplus(h_{d+1}), clipped to [KAPPA_MIN, KAPPA_MAX]. The offset 1
 * follows Davidson et al. (2018): it keeps κ away from 0, where the posterior is nearly uniform,
 * the mean direction carries no information and its gradients vanish.
 */
function directionAndConcentration(
  head: tf.Tensor2D,
  d: number,
): { mu: tf.Tensor2D; kappa: tf.Tensor1D } {
  return tf.tidy(() => {
    const mu = normalizeRows(tf.slice(head, [0, 0], [-1, d]) as tf.Tensor2D);
    const raw = tf.reshape(tf.slice(head, [0, d], [-1, 1]), [-1]);
    const kappa = tf.clipByValue(
      tf.add(tf.softplus(raw), KAPPA_MIN),
      KAPPA_MIN,
      KAPPA_MAX,
    ) as tf.Tensor1D;
    return { mu, kappa };
  });
}

/** n × (d−1) uniform unit vectors (Gaussian rows normalised), row-major, float32. */
export function unitTangents(n: number, d: number, rng: Rng): Float32Array {
  const m = d - 1;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    const row = new Float64Array(m);
    do {
      norm = 0;
      for (let j = 0; j < m; j++) {
        row[j] = normal(rng);
        norm += row[j] * row[j];
      }
    } while (norm === 0);
    norm = Math.sqrt(norm);
    for (let j = 0; j < m; j++) out[i * m + j] = row[j] / norm;
  }
  return out;
}

/**
 * Assembles z = H(μ) [±w, √(1−w²) v] from the component w = μ·z (given as 1 − w and 1 + w, to
 * keep precision when w → ±1) and unit tangents v [n, d−1].
 *
 * The reflection: the textbook maps e1 onto μ with u = (e1 − μ)/‖e1 − μ‖ (Davidson et al. 2018,
 * Algorithm 1), which divides by ~0 when μ ≈ e1. Here each row uses the base point p = −sign(μ1)e1
 * instead (the sample is drawn around p), so ‖p − μ‖² = 2 + 2|μ1| ≥ 2 and the gradient with
 * respect to μ stays finite; H = I − 2uuᵀ with u = (p − μ)/‖p − μ‖ maps p onto μ. The law of the
 * result does not depend on the choice, because the sample is rotation-invariant about p.
 */
export function reflectOntoMean(
  mu: tf.Tensor2D,
  oneMinusW: tf.Tensor1D,
  onePlusW: tf.Tensor1D,
  tangents: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const d = mu.shape[1];
    const mu1 = tf.slice(mu, [0, 0], [-1, 1]);
    const s = tf.where(tf.greaterEqual(mu1, 0), tf.onesLike(mu1), tf.neg(tf.onesLike(mu1))); // [n,1], constant
    const w = tf.reshape(tf.sub(1, oneMinusW), [-1, 1]);
    const radial = tf.reshape(tf.sqrt(tf.maximum(tf.mul(oneMinusW, onePlusW), 1e-30)), [-1, 1]);
    const z0 = tf.concat([tf.neg(tf.mul(s, w)), tf.mul(radial, tangents)], 1); // around p = −s e1
    const p = tf.concat([tf.neg(s), tf.zeros([mu.shape[0], d - 1])], 1);
    const u = normalizeRows(tf.sub(p, mu));
    const uz = tf.sum(tf.mul(u, z0), 1, true);
    return tf.sub(z0, tf.mul(tf.mul(2, uz), u)) as tf.Tensor2D;
  });
}

/** Uniform draws on S^{d−1}: normalised standard Gaussians. */
export function sampleUniformSphere(n: number, d: number, seed: number): tf.Tensor2D {
  return tf.tidy(() =>
    normalizeRows(tf.randomNormal([n, d], 0, 1, 'float32', subSeed(seed, 0x5e))),
  );
}

/** Seeded JavaScript generator for one sampling call (rejection steps run on the CPU in float64). */
export function samplingRng(seed: number, tag: number): Rng {
  return mulberry32(subSeed(seed, tag));
}

/** A posterior on S^{d−1}: mean direction μ and concentration κ per row; subclasses give the law. */
export abstract class SpherePosterior implements Posterior {
  constructor(
    readonly mean: tf.Tensor2D,
    readonly kappa: tf.Tensor1D,
    protected readonly d: number,
  ) {}

  abstract sample(seed: number): tf.Tensor2D;
  abstract kl(z: tf.Tensor2D): tf.Tensor1D;
  abstract logProb(z: tf.Tensor2D): tf.Tensor1D;
}

/**
 * The uniform prior on S^{d−1} and the head layout; subclasses pick the posterior family (vMF,
 * Power Spherical).
 */
export abstract class SphereLatent implements LatentGeometry {
  readonly dim: number;
  readonly headSize: number;
  readonly variables: tf.Variable[] = [];
  private readonly logArea: number;

  constructor(readonly config: LatentConfig) {
    const d = config.dim;
    if (!Number.isInteger(d) || d < 2) {
      throw new Error(
        `a ${config.kind} latent lives on the sphere S^{d−1} in ℝ^d and needs ambient dimension d ≥ 2, got d = ${d} (S^0 is just the two points ±1)`,
      );
    }
    this.dim = d;
    this.headSize = d + 1;
    this.logArea = logSphereArea(d);
  }

  /** The posterior family, built from μ and κ as `directionAndConcentration` reads them. */
  protected abstract readonly family: new (
    mean: tf.Tensor2D,
    kappa: tf.Tensor1D,
    d: number,
  ) => SpherePosterior;

  posterior(head: tf.Tensor2D): SpherePosterior {
    const { mu, kappa } = directionAndConcentration(head, this.dim);
    return new this.family(mu, kappa, this.dim);
  }

  point(output: tf.Tensor2D): tf.Tensor2D {
    return normalizeRows(output);
  }

  samplePrior(n: number, seed: number): tf.Tensor2D {
    return sampleUniformSphere(n, this.dim, seed);
  }

  /** log p(z) = −log |S^{d−1}| for every z on the sphere. */
  logPrior(z: tf.Tensor2D): tf.Tensor1D {
    return tf.fill([z.shape[0]], -this.logArea) as tf.Tensor1D;
  }

  dispose(): void {}
}

/** What every geometry on the sphere refuses, and why (its descriptor's `refuses`). */
/** Why a posterior flow makes no sense on the sphere (the descriptors' `refusesFlow`). */
export const SPHERE_REFUSES_FLOW =
  'planar and inverse autoregressive flows act on ℝ^d and would move z off the sphere S^(d−1); use the Gaussian latent with a flow';

export const SPHERE_REFUSES: Record<string, string> = {
  l2: '--objective l2 (RAE) penalises ‖z‖², which is identically 1 on the sphere, so it would regularise nothing; and the Gaussian mixture it fits to the codes afterwards would sample points off the sphere. Use kl, mmd, swd or cw here, or the Gaussian latent with l2.',
};
