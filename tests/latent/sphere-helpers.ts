import { tf } from '../../src-main/engine/tf';
import { normalizeRows } from '../../src-main/engine/latent/sphere';
import type { SpherePosterior } from '../../src-main/engine/latent/sphere';

export type PosteriorClass = new (
  mu: tf.Tensor2D,
  kappa: tf.Tensor1D,
  d: number,
) => SpherePosterior;

/** n rows of one posterior with random mean directions and concentration κ. */
export function posteriorAt(
  Posterior: PosteriorClass,
  n: number,
  d: number,
  kappa: number,
  seed = 1,
): SpherePosterior {
  const mu = normalizeRows(tf.randomNormal([n, d], 0, 1, 'float32', seed));
  return new Posterior(mu, tf.fill([n], kappa) as tf.Tensor1D, d);
}

/** Mean, standard error and largest |‖z‖ − 1| of μᵀz over samples. */
export function alignment(
  posterior: SpherePosterior,
  seed: number,
): { mean: number; se: number; normError: number } {
  return tf.tidy(() => {
    const z = posterior.sample(seed);
    const dots = tf.sum(tf.mul(z, posterior.mean), 1);
    const { mean, variance } = tf.moments(dots);
    const n = z.shape[0];
    const normError = tf.max(tf.abs(tf.sub(tf.norm(z, 2, 1), 1))).dataSync()[0];
    return { mean: mean.dataSync()[0], se: Math.sqrt(variance.dataSync()[0] / n), normError };
  });
}

/**
 * Pathwise gradients of F = Σ_i aᵀz_i (fixed seed) with respect to the raw direction and κ,
 * against central finite differences along one random perturbation of each: returns
 * [analytic, finite-difference] directional derivatives for the direction and for κ.
 */
export function gradientCheck(
  Posterior: PosteriorClass,
  n: number,
  d: number,
  kappas: number[],
  seed: number,
): { mu: [number, number]; kappa: [number, number]; finite: boolean } {
  return tf.tidy(() => {
    const raw = tf.randomNormal([n, d], 0, 1, 'float32', 11);
    const kappa = tf.tensor1d(Array.from({ length: n }, (_, i) => kappas[i % kappas.length]));
    const a = tf.randomNormal([n, d], 0, 1, 'float32', 12);
    const f = (r: tf.Tensor, k: tf.Tensor) =>
      tf.sum(
        tf.mul(a, new Posterior(normalizeRows(r as tf.Tensor2D), k as tf.Tensor1D, d).sample(seed)),
      ) as tf.Scalar;
    const [gRaw, gKappa] = tf.grads(f)([raw, kappa]);
    const finite =
      tf.all(tf.isFinite(gRaw)).dataSync()[0] === 1 &&
      tf.all(tf.isFinite(gKappa)).dataSync()[0] === 1;
    const deltaRaw = tf.mul(1e-3, tf.randomNormal([n, d], 0, 1, 'float32', 13));
    const deltaKappa = tf.mul(1e-3, kappa); // relative steps
    const fd = (dr: tf.Tensor, dk: tf.Tensor) =>
      (f(tf.add(raw, dr), tf.add(kappa, dk)).dataSync()[0] -
        f(tf.sub(raw, dr), tf.sub(kappa, dk)).dataSync()[0]) /
      2;
    const zeroRaw = tf.zerosLike(raw);
    const zeroKappa = tf.zerosLike(kappa);
    return {
      mu: [tf.sum(tf.mul(gRaw, deltaRaw)).dataSync()[0], fd(deltaRaw, zeroKappa)],
      kappa: [tf.sum(tf.mul(gKappa, deltaKappa)).dataSync()[0], fd(zeroRaw, deltaKappa)],
      finite,
    };
  });
}
