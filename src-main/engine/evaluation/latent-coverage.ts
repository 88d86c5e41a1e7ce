import type { Dataset } from '../data/dataset';
import type { LatentModel } from '../model/latent-model';
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
 * Posterior means [n, d] of n items, read `chunk` at a time through `items(start, m)`, and for a
 * Gaussian posterior its log-variances (clamped as the posterior clamps them), both from one
 * encoder pass; null log-variances for other geometries, flows and deterministic encoders.
 */
export async function encodePosteriors(
  model: LatentModel,
  n: number,
  items: (start: number, m: number) => Float32Array,
  chunk = 2048,
): Promise<{ means: Float32Array; logVariances: Float32Array | null }> {
  const d = model.latentDim;
  // A flow's posterior is not the diagonal Gaussian of the head: its means are the flowed ones.
  const gaussian =
    model.encoding === 'posterior' && model.config.latent.kind === 'gaussian' && !model.config.flow;
  const [lo, hi] = model.config.logVarClamp;
  const means = new Float32Array(n * d);
  const logVariances = gaussian ? new Float32Array(n * d) : null;
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const x = items(start, m);
    if (!logVariances) {
      means.set(await model.encode(x, m), start * d);
      continue;
    }
    // The Gaussian head is [mean (d), log-variance (d)] per row.
    const head = await model.encodeHead(x, m);
    for (let r = 0; r < m; r++) {
      means.set(head.subarray(r * 2 * d, r * 2 * d + d), (start + r) * d);
      for (let j = 0; j < d; j++) {
        const v = head[r * 2 * d + d + j];
        logVariances[(start + r) * d + j] = Math.min(hi, Math.max(lo, v));
      }
    }
  }
  return { means, logVariances };
}

/**
 * Encodes `data` and asks whether its posterior means cover the model's own prior: per-dimension
 * KL and active units, and the full coverage report.
 */
export async function latentCoverage(
  model: LatentModel,
  data: Dataset,
  seed = 0,
): Promise<LatentCoverage> {
  const n = data.count;
  const d = model.latentDim;
  const { means, logVariances } = await encodePosteriors(model, n, (start, m) =>
    data.batch(Array.from({ length: m }, (_, j) => start + j)),
  );
  const klPerDimension = logVariances
    ? Array.from(diagonalGaussianKl(means, logVariances, n, d))
    : null;
  const active = activeUnits(means, n, d).count;
  const accuracy =
    hasClusters(model.geometry) && data.labels && n > 0
      ? clusteringAccuracy(
          tf.tidy(() => clusterAssignments(model.geometry, tf.tensor2d(means, [n, d]))),
          data.labels,
        )
      : null;
  const base = { means, klPerDimension, activeUnits: active, clusteringAccuracy: accuracy };
  if (n < 2) return { ...base, coverage: null, reason: 'fewer than 2 items' };
  // The prior the geometry says coverage compares with (the same as the app's coverage panel).
  const { prior, caveat } = geometryDescriptor(model.config.latent.kind).coverage;
  const coverage = coverageReport(means, n, d, {
    prior,
    seed,
    posterior: { means, ...(logVariances ? { logVariances } : {}) },
  });
  if (caveat) coverage.warnings.unshift(caveat);
  return { ...base, coverage };
}
