// The coverage report's shape, as one zod schema. The engine builds its report as this schema's
// type (engine/coverage/report.ts), the contract reuses the schema for the `coverage` reply
// (api/records.ts), and the page and the CLI read the typed fields. Every object is strict,
// so a field the engine emits and the schema lacks fails a parse: tests/coverage/report-schema.test.ts
// parses real reports. Only zod is imported, so the page's bundle can take this module's types.
import { z } from 'zod';

/**
 * A figure computed in floating point from the data. `replaceNonFinite` (report.ts) turns one that
 * overflowed or came out NaN into null, with a warning naming it, so each such figure may be null.
 * Counts and settings (n, d, df, subsample sizes, ...) are always finite and never null.
 */
const Figure = z.number().nullable();
const Count = z.number().int().nonnegative();

/** Why a test has no figures (too few rows, a singular covariance, not defined for the prior). */
const Reason = z.string();

export const CoveragePrior = z.enum(['gaussian', 'sphere']);

export const MardiaSkewness = z.strictObject({
  b1: Figure,
  /** n·b1/6, χ² with `df` degrees of freedom under normality. */
  statistic: Figure,
  df: Count,
  p: Figure,
});

export const MardiaKurtosis = z.strictObject({ b2: Figure, z: Figure, p: Figure });

/**
 * Mardia's tests (Gaussian prior). Skewness is null, with `reason`, when too expensive; both are
 * null, with `reason`, for n ≤ d, a singular covariance, or a sphere prior. `method` says how b1
 * was evaluated when it was.
 */
export const MardiaFigures = z.strictObject({
  skewness: MardiaSkewness.nullable(),
  kurtosis: MardiaKurtosis.nullable(),
  method: z.enum(['third-moment-tensor', 'pairwise']).optional(),
  reason: Reason.optional(),
});

/** A one-sample KS test of ‖z‖ against chi_d; not defined on the sphere prior. */
export const RadiusKs = z.union([
  z.strictObject({ statistic: Figure, p: Figure }),
  z.strictObject({ statistic: z.null(), p: z.null(), reason: Reason }),
]);

/** KS test of disjoint pairs: ‖z − z′‖/√2 against chi_d, or u·u′ against the sphere marginal. */
export const PairwiseKs = z.union([
  z.strictObject({
    statistic: Figure,
    p: Figure,
    pairs: Count,
    quantity: z.enum(['distance/sqrt2', 'inner-product']),
  }),
  z.strictObject({ statistic: z.null(), p: z.null(), pairs: Count, reason: Reason }),
]);

export const MmdFigures = z.strictObject({
  /** MMD²_u, the unbiased estimate of the squared MMD (can be slightly negative). */
  value: Figure,
  /** Permutation p-value. */
  p: Figure,
  subsample: Count,
  prior_samples: Count,
  permutations: Count,
  kernel: z.string(),
});

export const DimensionFigures = z.strictObject({
  mean: Figure,
  std: Figure,
  /** Present when the encoder's log-variances are known (diagonal Gaussian posteriors). */
  kl: Figure.optional(),
  active: z.boolean(),
});

export const HoleFigures = z.union([
  z.strictObject({
    fraction: z.number(),
    /** What an aggregate posterior equal to the prior would give: 1 − quantile. */
    expected_fraction: z.number(),
    threshold: Figure,
    quantile: z.number(),
    prior_samples: Count,
    reference_subsample: Count,
    /** Latent vectors (k-means centres of prior samples in holes), largest hole first. */
    centers: z.array(z.array(z.number())),
    sizes: z.array(Count),
  }),
  z.strictObject({
    fraction: z.null(),
    threshold: z.null(),
    centers: z.tuple([]),
    reason: Reason,
  }),
]);

/** Uniformity on S^{d−1} (sphere prior only); `reason` alone when d = 1. */
export const SphereFigures = z.union([
  z.strictObject({
    rayleigh: z.strictObject({
      mean_resultant_length: Figure,
      statistic: Figure,
      df: Count,
      p: Figure,
    }),
    bingham: z.strictObject({ statistic: Figure, df: Count, p: Figure }),
    projections: z.strictObject({
      statistic: Figure,
      p: Figure,
      directions: Count,
      subsample: Count,
    }),
    /** The radii of the input rows before they were projected onto the sphere. */
    radius: z.strictObject({ mean: Figure, min: Figure, max: Figure, normalized: z.boolean() }),
  }),
  z.strictObject({ reason: Reason }),
]);

export const HistogramBin = z.strictObject({ x0: Figure, x1: Figure, density: Figure });
export const CurvePoint = z.strictObject({ x: Figure, density: Figure });

/** A density histogram with the prior's density on the same scale. */
export const DensityPlot = z.strictObject({
  bins: z.array(HistogramBin),
  curve: z.array(CurvePoint),
  label: z.string(),
});

export const QqPlot = z.strictObject({
  points: z.array(z.strictObject({ theoretical: Figure, sample: Figure })),
  label: z.string(),
});

export const DimensionBar = z.strictObject({
  dimension: Count,
  variance: Figure,
  kl: Figure.optional(),
  active: z.boolean(),
});

const Point2 = z.tuple([Figure, Figure]);

export const HoleMap = z.strictObject({
  axes: z.string(),
  encoded: z.array(Point2),
  holes: z.array(Point2),
  centers: z.array(Point2),
});

/**
 * Plot-ready series. `radius` for the Gaussian prior only; `qq` and `pairwise` for the Gaussian
 * prior and the sphere with d ≥ 2; `holes` unless the hole search was disabled.
 */
export const CoveragePlots = z.strictObject({
  radius: DensityPlot.optional(),
  qq: QqPlot.optional(),
  pairwise: DensityPlot.optional(),
  dimensions: z.array(DimensionBar),
  holes: HoleMap.optional(),
});

export const CoverageReport = z.strictObject({
  /** Rows used (finite rows of the input). */
  n: Count,
  d: z.number().int().positive(),
  prior: CoveragePrior,
  rows: z.strictObject({ input: Count, used: Count, dropped_non_finite: Count }),
  mardia: MardiaFigures,
  radius_ks: RadiusKs,
  pairwise_ks: PairwiseKs,
  mmd: MmdFigures,
  sliced_wasserstein: Figure,
  sliced_wasserstein_details: z.strictObject({
    directions: Count,
    subsample: Count,
    p: z.literal(2),
  }),
  cramer_wold: Figure,
  cramer_wold_details: z.strictObject({ subsample: Count, gamma: z.number(), form: z.string() }),
  dimensions: z.array(DimensionFigures),
  active_units: Count,
  active_units_source: z.enum(['latents', 'posterior-means']),
  holes: HoleFigures,
  /** Present exactly when the prior is the sphere. */
  sphere: SphereFigures.optional(),
  plots: CoveragePlots,
  kernels: z.enum(['wasm-simd', 'javascript']),
  seed: z.number().int(),
  /** Milliseconds per stage; which stages run depends on the prior and the options. */
  timings_ms: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
});

export type CoveragePrior = z.infer<typeof CoveragePrior>;
export type CoverageReport = z.infer<typeof CoverageReport>;
export type CoveragePlots = z.infer<typeof CoveragePlots>;
