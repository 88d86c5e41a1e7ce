import type { Dataset } from './data/dataset';
import type { Vae } from './model';
import { activeUnits, coverageReport, diagonalGaussianKl, type CoverageReport } from './coverage';

/** The model-based coverage figures of an encoded dataset. */
export interface LatentCoverage {
  /** Posterior means, [n, d] row-major. */
  means: Float32Array;
  /** Mean KL(q(z_j|x) ‖ N(0, 1)) per dimension (diagonal Gaussian posteriors only). */
  klPerDimension: number[] | null;
  /** Burda et al.'s active units: Cov_x(E_q[z_j]) > 0.01. */
  activeUnits: number;
  coverage: CoverageReport | null;
  /** Why `coverage` is null. */
  reason?: string;
}

/** The prior the coverage tests compare with, or why there is none. */
function coveragePrior(vae: Vae): 'gaussian' | 'sphere' | { reason: string } {
  switch (vae.config.latent.kind) {
    case 'gaussian':
      return 'gaussian';
    case 'sphere':
    case 'power-sphere':
      return 'sphere';
    default:
      return {
        reason: `the coverage tests compare with N(0, I) or the uniform sphere, not a ${vae.config.latent.kind} prior`,
      };
  }
}

/**
 * Encodes `data` and asks whether its posterior means cover the model's own prior: per-dimension
 * KL and active units, and the full coverage report.
 */
export function latentCoverage(vae: Vae, data: Dataset, seed = 0): LatentCoverage {
  const n = data.count;
  const d = vae.latentDim;
  const head = vae.geometry.headSize;
  const heads = new Float32Array(n * head);
  const chunk = 2048;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    heads.set(vae.encodeHead(data.batch(Array.from({ length: m }, (_, j) => i + j)), m), i * head);
  }
  const means = new Float32Array(n * d);
  const gaussian = vae.config.latent.kind === 'gaussian';
  const logVariances = gaussian ? new Float32Array(n * d) : null;
  const [lo, hi] = vae.config.logVarClamp;
  if (gaussian) {
    for (let i = 0; i < n; i++) {
      means.set(heads.subarray(i * head, i * head + d), i * d);
      for (let j = 0; j < d; j++)
        logVariances![i * d + j] = Math.min(hi, Math.max(lo, heads[i * head + d + j]));
    }
  } else {
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      means.set(vae.encode(data.batch(Array.from({ length: m }, (_, j) => i + j)), m), i * d);
    }
  }
  const klPerDimension = logVariances
    ? Array.from(diagonalGaussianKl(means, logVariances, n, d))
    : null;
  const active = activeUnits(means, n, d).count;
  const prior = coveragePrior(vae);
  if (typeof prior !== 'string')
    return { means, klPerDimension, activeUnits: active, coverage: null, reason: prior.reason };
  if (n < 2)
    return {
      means,
      klPerDimension,
      activeUnits: active,
      coverage: null,
      reason: 'fewer than 2 items',
    };
  const coverage = coverageReport(means, n, d, {
    prior,
    seed,
    posterior: { means, ...(logVariances ? { logVariances } : {}) },
  });
  return { means, klPerDimension, activeUnits: active, coverage };
}
