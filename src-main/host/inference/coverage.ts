import { coverageReport, type Prior } from '../../engine/coverage/report';
import type { Dataset, DatasetSplit } from '../../engine/data/dataset';
import { geometryDescriptor } from '../../engine/latent/registry';
import type { Vae } from '../../engine/model/model';
import { AtlasError } from '../../api/errors';
import type { CoverageReport } from '../../api/records';

const CHUNK = 2_000;

/** The reference distribution the report compares the encoded cloud with: the geometry says. */
function priorOf(vae: Vae): { prior: Prior; warning?: string } {
  const { prior, caveat } = geometryDescriptor(vae.config.latent.kind).coverage;
  return { prior, ...(caveat ? { warning: caveat } : {}) };
}

/**
 * The coverage report of the encoded means of up to `limit` test items against the model's prior
 * (engine/coverage). For Gaussian latents the encoder's log-variances go along, for the KL per
 * dimension and active units.
 */
export function coverageOf(
  vae: Vae,
  data: DatasetSplit,
  limit: number,
  seed: number,
): { report: CoverageReport; n: number; dim: number } {
  if (!vae.encoder)
    throw new AtlasError('unavailable', 'this model has only a decoder: it cannot encode data');
  const set: Dataset = data.test.count >= Math.min(limit, 2) ? data.test : data.train;
  const n = Math.min(limit, set.count);
  const d = vae.latentDim;
  const gaussian = vae.config.latent.kind === 'gaussian';
  const [lo, hi] = vae.config.logVarClamp;
  const means = new Float32Array(n * d);
  const logVariances = gaussian ? new Float32Array(n * d) : undefined;
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    const x = set.batch(Int32Array.from({ length: m }, (_, i) => start + i));
    if (gaussian) {
      // The Gaussian head is [mean (d), log-variance (d)] per row.
      const head = vae.encodeHead(x, m);
      for (let r = 0; r < m; r++) {
        means.set(head.subarray(r * 2 * d, r * 2 * d + d), (start + r) * d);
        for (let j = 0; j < d; j++) {
          const v = head[r * 2 * d + d + j];
          logVariances![(start + r) * d + j] = Math.min(hi, Math.max(lo, v));
        }
      }
    } else {
      means.set(vae.encode(x, m), start * d);
    }
  }
  const { prior, warning } = priorOf(vae);
  let report: CoverageReport;
  try {
    report = coverageReport(means, n, d, {
      prior,
      seed,
      posterior: { means, ...(logVariances ? { logVariances } : {}) },
    });
  } catch (err) {
    throw new AtlasError('invalid-params', `coverage report: ${(err as Error).message}`);
  }
  if (warning) report.warnings.push(warning);
  // The report is plain data already (pre-binned plots, no typed arrays, non-finite figures
  // replaced by null), typed by the contract's schema, so it goes out as it is.
  return { report, n, dim: d };
}
