// Per-dimension figures: mean and standard deviation of each latent coordinate, the KL term of a
// diagonal-Gaussian encoder per dimension, active units, and the log-mean-exp that turns k
// importance weights into the IWAE bound.

export interface DimensionFigures {
  mean: number;
  std: number;
  /** ½ E_x[μ_j² + σ_j² − log σ_j² − 1], when the encoder's means and log-variances are known. */
  kl?: number;
  /** Cov_x(E_q[z_j]) > threshold (Burda et al. 2016). */
  active: boolean;
}

/** Burda et al. (2016, IWAE): a unit is active when Cov_x(E_q[z_j]) > 0.01. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

/** Column means and variances (divisor n) of an n×d row-major matrix. */
export function columnMoments(
  x: ArrayLike<number>,
  n: number,
  d: number,
): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += x[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= n;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) variance[k] += (x[i * d + k] - mean[k]) ** 2;
  for (let k = 0; k < d; k++) variance[k] /= n;
  return { mean, variance };
}

/**
 * KL(N(μ, diag σ²) ‖ N(0, I)) per dimension, averaged over the n rows:
 * KL_j = ½ (1/n) Σ_i (μ_ij² + σ_ij² − log σ_ij² − 1), from means and log-variances (n×d).
 */
export function diagonalGaussianKl(
  means: ArrayLike<number>,
  logVariances: ArrayLike<number>,
  n: number,
  d: number,
): Float64Array {
  const kl = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) {
      const mu = means[i * d + k];
      const logVar = logVariances[i * d + k];
      kl[k] += mu * mu + Math.exp(logVar) - logVar - 1;
    }
  for (let k = 0; k < d; k++) kl[k] /= 2 * n;
  return kl;
}

/** Active units from the posterior means E_q[z|x] (n×d): variance across x above the threshold. */
export function activeUnits(
  means: ArrayLike<number>,
  n: number,
  d: number,
  threshold = ACTIVE_UNIT_THRESHOLD,
): { variance: Float64Array; active: boolean[]; count: number } {
  const { variance } = columnMoments(means, n, d);
  const active = Array.from(variance, (v) => v > threshold);
  return { variance, active, count: active.filter(Boolean).length };
}

/** log((1/k) Σ_i exp(v_i)), stable for any magnitudes: the IWAE bound from k log-weights. */
export function logMeanExp(values: ArrayLike<number>): number {
  const k = values.length;
  if (k === 0) return NaN;
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, values[i]);
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum / k);
}
