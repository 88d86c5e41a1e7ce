import type { Dataset } from '../data/dataset';
import type { Vae } from '../model/model';
import { tf } from '../tf';
import { clusterAssignments, clusteringAccuracy, hasClusters } from '../latent/clustering';
import { geometryDescriptor } from '../latent/registry';
import {
  activeUnits,
  coverageReport,
  diagonalGaussianKl,
  type CoverageReport,
} from '../coverage/index';

/** The model-based coverage figures of an encoded dataset. */
export interface LatentCoverage {
  /** Posterior means, [n, d] row-major. */
  means: Float32Array;
  /** Mean KL(q(z_j|x) ‖ N(0, 1)) per dimension (diagonal Gaussian posteriors only). */
  klPerDimension: number[] | null;
  /** Burda et al.'s active units: Cov_x(E_q[z_j]) > 0.01. */
  activeUnits: number;
  /** Cluster accuracy with Hungarian matching (mixture priors on labelled data), else null. */
  clusteringAccuracy: number | null;
  coverage: CoverageReport | null;
  /** Why `coverage` is null. */
  reason?: string;
}

/**
 * Encodes `data` and asks whether its posterior means cover the model's own prior: per-dimension
 * KL and active units, and the full coverage report.
 */
export function latentCoverage(vae: Vae, data: Dataset, seed = 0): LatentCoverage {
  const n = data.count;
  const d = vae.latentDim;
  const chunk = 2048;
  /** Runs `f` over the items in chunks, writing `width` values per item into one array. */
  const encodeAll = (width: number, f: (x: Float32Array, m: number) => Float32Array) => {
    const out = new Float32Array(n * width);
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      out.set(f(data.batch(Array.from({ length: m }, (_, j) => i + j)), m), i * width);
    }
    return out;
  };
  let means: Float32Array;
  let logVariances: Float32Array | null = null;
  if (vae.config.latent.kind === 'gaussian') {
    // The head is [mean, log-variance]: both come from one pass.
    const heads = encodeAll(2 * d, (x, m) => vae.encodeHead(x, m));
    const [lo, hi] = vae.config.logVarClamp;
    means = new Float32Array(n * d);
    logVariances = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        means[i * d + j] = heads[i * 2 * d + j];
        logVariances[i * d + j] = Math.min(hi, Math.max(lo, heads[i * 2 * d + d + j]));
      }
    }
  } else {
    means = encodeAll(d, (x, m) => vae.encode(x, m));
  }
  const klPerDimension = logVariances
    ? Array.from(diagonalGaussianKl(means, logVariances, n, d))
    : null;
  const active = activeUnits(means, n, d).count;
  const accuracy =
    hasClusters(vae.geometry) && data.labels && n > 0
      ? clusteringAccuracy(
          tf.tidy(() => clusterAssignments(vae.geometry, tf.tensor2d(means, [n, d]))),
          data.labels,
        )
      : null;
  const base = { means, klPerDimension, activeUnits: active, clusteringAccuracy: accuracy };
  if (n < 2) return { ...base, coverage: null, reason: 'fewer than 2 items' };
  // The prior the geometry says coverage compares with (the same as the app's coverage panel).
  const { prior, caveat } = geometryDescriptor(vae.config.latent.kind).coverage;
  const coverage = coverageReport(means, n, d, {
    prior,
    seed,
    posterior: { means, ...(logVariances ? { logVariances } : {}) },
  });
  if (caveat) coverage.warnings.unshift(caveat);
  return { ...base, coverage };
}
