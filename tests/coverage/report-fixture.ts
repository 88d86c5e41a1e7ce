import type { CoverageReport } from '../../src-main/shared/coverage-report';

/**
 * A complete coverage report of the shape the engine emits for `prior`, with figures chosen by
 * hand (tests/coverage/report-schema.test.ts checks it parses strictly), for tests that need
 * given p-values rather than the engine's. `overrides` replace top-level fields.
 */
export function fixtureReport(
  prior: 'gaussian' | 'sphere',
  d: number,
  overrides: Partial<CoverageReport> = {},
): CoverageReport {
  const n = 300;
  const gaussian = prior === 'gaussian';
  // The per-dimension plot follows the per-dimension figures, given or not.
  const dimensions =
    overrides.dimensions ??
    Array.from({ length: d }, (_, i) => ({
      mean: 0,
      std: i === d - 1 ? 0.01 : 1,
      kl: i === d - 1 ? 0 : 1.5,
      active: i !== d - 1,
    }));
  const density = (label: string) => ({
    bins: [
      { x0: 0, x1: 1, density: 0.4 },
      { x0: 1, x1: 2, density: 0.6 },
    ],
    curve: [
      { x: 0, density: 0.3 },
      { x: 2, density: 0.5 },
    ],
    label,
  });
  const report: CoverageReport = {
    n,
    d,
    prior,
    rows: { input: n, used: n, dropped_non_finite: 0 },
    mardia: gaussian
      ? {
          skewness: { b1: 0.5, statistic: 25, df: (d * (d + 1) * (d + 2)) / 6, p: 0.2 },
          kurtosis: { b2: 26, z: 3.2, p: 0.001 },
          method: 'third-moment-tensor',
        }
      : {
          skewness: null,
          kurtosis: null,
          reason: 'Mardia tests multivariate normality; on a sphere prior see the uniformity tests',
        },
    radius_ks: gaussian
      ? { statistic: 0.2, p: 0.0001 }
      : { statistic: null, p: null, reason: 'sphere prior: every point has radius 1' },
    pairwise_ks: {
      statistic: 0.05,
      p: 0.4,
      pairs: n / 2,
      quantity: gaussian ? 'distance/sqrt2' : 'inner-product',
    },
    mmd: {
      value: 0.02,
      p: 0.01,
      subsample: n,
      prior_samples: n,
      permutations: 200,
      kernel: 'IMQ',
    },
    sliced_wasserstein: 0.1,
    sliced_wasserstein_details: { directions: 64, subsample: n, p: 2 },
    cramer_wold: 0.05,
    cramer_wold_details: { subsample: n, gamma: 0.1, form: 'closed form' },
    dimensions,
    active_units: dimensions.filter((x) => x.active).length,
    active_units_source: 'posterior-means',
    holes: {
      fraction: 0.15,
      expected_fraction: 0.01,
      threshold: 2,
      quantile: 0.99,
      prior_samples: 2000,
      reference_subsample: n,
      centers: [Array.from({ length: d }, () => 0.5)],
      sizes: [300],
    },
    ...(gaussian
      ? {}
      : {
          sphere: {
            rayleigh: { mean_resultant_length: 0.05, statistic: 2, df: d, p: 0.5 },
            bingham: { statistic: 3, df: ((d - 1) * (d + 2)) / 2, p: 0.6 },
            projections: { statistic: 0.05, p: 0.7, directions: d, subsample: n },
            radius: { mean: 1, min: 1, max: 1, normalized: false },
          },
        }),
    plots: {
      ...(gaussian ? { radius: density(`‖z‖ against chi_${d}`) } : {}),
      qq: {
        points: [
          { theoretical: 1, sample: 1 },
          { theoretical: 2, sample: 2 },
          { theoretical: 3, sample: 3 },
        ],
        label: gaussian ? `quantiles of ‖z‖ against chi_${d}` : 'quantiles of ⟨u, θ⟩',
      },
      pairwise: density(gaussian ? '‖z − z′‖/√2' : 'u·u′'),
      dimensions: dimensions.map((x, dimension) => ({
        dimension,
        variance: x.std === null ? null : x.std * x.std,
        ...(x.kl !== undefined ? { kl: x.kl } : {}),
        active: x.active,
      })),
      holes: {
        axes: 'first two principal axes of the encoded points',
        encoded: [
          [0, 0],
          [1, 1],
        ],
        holes: [[2, 2]],
        centers: [[2, 2]],
      },
    },
    kernels: 'javascript',
    seed: 0,
    timings_ms: { mmd: 1 },
    warnings: [],
  };
  return { ...report, ...overrides };
}
