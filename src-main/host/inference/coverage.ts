import { coverageReport, type Prior } from '../../engine/coverage/report';
import type { Dataset, DatasetSplit } from '../../engine/data/dataset';
import { geometryDescriptor } from '../../engine/latent/registry';
import type { LatentModel } from '../../engine/model/latent-model';
import { encodePosteriors } from '../../engine/evaluation/latent-coverage';
import { AtlasError } from '../../api/errors';
import type { CoverageReport } from '../../api/records';

const CHUNK = 2_000;

/** The reference distribution the report compares the encoded cloud with: the geometry says. */
function priorOf(model: LatentModel): { prior: Prior; warning?: string } {
  const { prior, caveat } = geometryDescriptor(model.config.latent.kind).coverage;
  return { prior, ...(caveat ? { warning: caveat } : {}) };
}

/**
 * The coverage report of the encoded means of up to `limit` test items against the model's prior
 * (engine/coverage). For Gaussian latents the encoder's log-variances go along, for the KL per
 * dimension and active units.
 */
export async function coverageOf(
  model: LatentModel,
  data: DatasetSplit,
  limit: number,
  seed: number,
): Promise<{ report: CoverageReport; n: number; dim: number }> {
  if (!model.encoding)
    throw new AtlasError('unavailable', 'this model has only a decoder: it cannot encode data');
  const set: Dataset = data.test.count >= Math.min(limit, 2) ? data.test : data.train;
  const n = Math.min(limit, set.count);
  const d = model.latentDim;
  const { means, logVariances } = await encodePosteriors(
    model,
    n,
    (start, m) => set.batch(Int32Array.from({ length: m }, (_, i) => start + i)),
    CHUNK,
  );
  const { prior, warning } = priorOf(model);
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
