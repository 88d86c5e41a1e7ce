// The page's reading of the coverage report. The contract types the report field by field
// (src-main/shared/coverage-report.ts) and the verdicts come from the same function as the
// CLI's HTML report, so this module only shapes the typed figures for the panel's plots.
import type { CoverageReport } from '../../src-main/api/records';
import type { CoverageVerdict } from '../../src-main/shared/coverage-verdicts';

export {
  ALPHA,
  coverageVerdicts,
  type CoverageVerdict,
  type Tone,
} from '../../src-main/shared/coverage-verdicts';

/** The tests with a p-value, for the panel's strip of p-values; tones match the verdicts'. */
export function pValuePoints(
  verdicts: CoverageVerdict[],
): { test: string; p: number; tone: CoverageVerdict['tone'] }[] {
  return verdicts.flatMap((v) => (v.p === null ? [] : [{ test: v.test, p: v.p, tone: v.tone }]));
}

export interface DimensionRow {
  dim: string;
  value: number | null;
  active: boolean;
}

/** Per-dimension bars: the KL of each dimension when the report has it, else its variance. */
export function dimensionRows(report: CoverageReport): { rows: DimensionRow[]; kl: boolean } {
  const bars = report.plots.dimensions;
  const kl = bars.some((b) => b.kl !== undefined);
  return {
    kl,
    rows: bars.map((b) => ({
      dim: `z${b.dimension + 1}`,
      value: kl ? (b.kl ?? null) : b.variance,
      active: b.active,
    })),
  };
}

/** The square [lo, hi] a quantile–quantile plot needs so its diagonal is the identity. */
export function qqDomain(
  points: { theoretical: number | null; sample: number | null }[],
): [number, number] | null {
  const values = points
    .flatMap((p) => [p.theoretical, p.sample])
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return null;
  return [Math.min(...values), Math.max(...values)];
}
