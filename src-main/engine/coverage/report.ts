// The coverage report: does the aggregate posterior — the cloud of encoded points — fill the
// prior? Every figure is float64; Mardia's statistics and the radius KS test use all finite rows,
// the sampling-based figures use seeded subsamples whose sizes the report states. Figures that
// cannot be computed for the input are null, with the reason alongside; no NaN is ever reported
// as a number.
import { chiLogPdf, chiQuantile } from '../../shared/maths/special/chi';
import {
  sphereMarginalCdf,
  sphereMarginalQuantile,
} from '../../shared/maths/special/sphere-marginal';
import { cramerWoldToNormal, cramerWoldToUniformSphere, silvermanGamma } from './cramer-wold';
import {
  activeUnits,
  columnMoments,
  diagonalGaussianKl,
  type DimensionFigures,
} from './dimensions';
import { findHoles, type HoleOptions } from './holes';
import { createKernelContext } from './kernels/gram-kernels';
import { finiteRows, selectRows, type Latents } from './latents';
import { mardia, type MardiaFigures, type MardiaOptions } from './mardia';
import { mmd } from './mmd';
import { meanAndCovariance } from './moments';
import { pairValues, pairwiseKs } from './pairwise';
import { densityPlot, qqPlot, type Plots } from './plots';
import { leadingAxes } from './principal-axes';
import { radii, radiusKs } from './radius';
import type { CoveragePrior, CoverageReport } from '../../shared/coverage-report';
import { Random } from './random';
import { slicedWasserstein } from './sliced-wasserstein';
import {
  binghamTest,
  normalizeRows,
  projectionKs,
  rayleighTest,
  type SphereFigures,
} from './sphere-uniformity';

/** The report's type is the contract's schema (shared/coverage-report.ts), so the two cannot drift. */
export type { CoverageReport };
export type Prior = CoveragePrior;

export class CoverageError extends Error {
  override name = 'CoverageError';
}

export interface CoverageOptions {
  prior: Prior;
  /** Seed for every sampled figure (default 0). */
  seed?: number;
  /** The encoder's posterior means and log-variances (n×d each) for per-dimension KL and active units. */
  posterior?: { means: ArrayLike<number>; logVariances?: ArrayLike<number> };
  mardia?: MardiaOptions;
  mmd?: { subsample?: number; permutations?: number };
  slicedWasserstein?: { directions?: number; subsample?: number };
  cramerWold?: { subsample?: number };
  holes?: HoleOptions & { enabled?: boolean };
  sphere?: { directions?: number; subsample?: number };
  /** Use the plain-JavaScript kernels instead of WebAssembly SIMD (tests). */
  javascriptKernels?: boolean;
}

/**
 * The coverage report of n latent vectors (row-major z, n×d) against a standard normal
 * (`gaussian`) or uniform hyperspherical (`sphere`) prior.
 */
export function coverageReport(
  z: Float64Array | Float32Array,
  n: number,
  d: number,
  options: CoverageOptions,
): CoverageReport {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) {
    throw new CoverageError(`bad shape [${n}, ${d}]: need integers n ≥ 0 and d ≥ 1`);
  }
  if (z.length !== n * d) {
    throw new CoverageError(`z has ${z.length} values, not n·d = ${n}·${d} = ${n * d}`);
  }
  const prior = options.prior;
  if (prior !== 'gaussian' && prior !== 'sphere') {
    throw new CoverageError(`unknown prior '${String(prior)}': expected 'gaussian' or 'sphere'`);
  }
  const seed = options.seed ?? 0;
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const time = <T>(name: string, f: () => T): T => {
    const start = performance.now();
    const value = f();
    timings[name] = Math.round((performance.now() - start) * 10) / 10;
    return value;
  };
  const { latents: finite, dropped } = time('input', () => finiteRows(z, n, d));
  if (dropped > 0)
    warnings.push(`${dropped} of ${n} rows contain NaN or ±Infinity and were excluded`);
  if (finite.n < 2) {
    throw new CoverageError(
      n === 0
        ? 'no rows: the latent matrix is empty'
        : `only ${finite.n} finite row${finite.n === 1 ? '' : 's'} of ${n}: need at least 2`,
    );
  }
  const context = createKernelContext(options.javascriptKernels);
  const random = (stream: number) => new Random((seed * 1_000_003 + stream * 7919) >>> 0);

  // The sphere prior lives on S^{d−1}: its figures are computed for the rows projected onto it.
  let x: Latents = finite;
  let sphereRadius: SphereFigures['radius'] | undefined;
  let rowRadii = time('radii', () => radii(finite));
  if (prior === 'sphere') {
    let mean = 0;
    let min = Infinity;
    let max = 0;
    for (const r of rowRadii) {
      mean += r;
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    mean /= rowRadii.length;
    const normalized = Math.abs(min - 1) > 1e-3 || Math.abs(max - 1) > 1e-3;
    if (normalized) warnings.push('rows were not unit vectors: they were scaled onto the sphere');
    if (min === 0) warnings.push('some rows are zero and have no direction');
    x = normalizeRows(finite).unit;
    rowRadii = radii(x);
    sphereRadius = { mean, min, max, normalized };
  }

  const moments = time('moments', () => meanAndCovariance(x, context));
  // Mardia tests multivariate normality: the question for a Gaussian prior, not for a sphere.
  const mardiaFigures: MardiaFigures =
    prior === 'gaussian'
      ? time('mardia', () => mardia(x, moments, context, options.mardia))
      : {
          skewness: null,
          kurtosis: null,
          reason: 'Mardia tests multivariate normality; on a sphere prior see the uniformity tests',
        };

  const radiusFigures: CoverageReport['radius_ks'] =
    prior === 'gaussian'
      ? time('radius_ks', () => radiusKs(rowRadii, d))
      : { statistic: null, p: null, reason: 'sphere prior: every point has radius 1' };

  const pairs = time('pairs', () => pairValues(x, prior, random(1)));
  const pairwiseFigures: CoverageReport['pairwise_ks'] =
    prior === 'sphere' && d < 2
      ? { statistic: null, p: null, pairs: pairs.length, reason: 'd = 1 on the sphere' }
      : time('pairwise_ks', () => pairwiseKs(pairs, d, prior));

  const priorVariance = prior === 'gaussian' ? 1 : 1 / d;
  const drawPrior = (rng: Random) => (m: number) =>
    prior === 'gaussian' ? rng.normalMatrix(m, d) : rng.unitVectors(m, d);

  const mmdSize = Math.min(x.n, options.mmd?.subsample ?? 1000);
  const mmdFigures = time('mmd', () => {
    const rng = random(2);
    const sample = selectRows(x, rng.sample(x.n, mmdSize));
    const priorSample: Latents = { data: drawPrior(rng)(mmdSize), n: mmdSize, d };
    return mmd(context, sample, priorSample, priorVariance, options.mmd?.permutations ?? 200, rng);
  });

  const swSize = Math.min(x.n, options.slicedWasserstein?.subsample ?? 10000);
  const sw = time('sliced_wasserstein', () => {
    const rng = random(3);
    const sample = swSize < x.n ? selectRows(x, rng.sample(x.n, swSize)) : x;
    return slicedWasserstein(
      context,
      sample,
      prior,
      options.slicedWasserstein?.directions ?? 64,
      rng,
    );
  });

  const cwSize = Math.min(x.n, options.cramerWold?.subsample ?? 2000);
  const cw = time('cramer_wold', () => {
    const rng = random(4);
    const sample = cwSize < x.n ? selectRows(x, rng.sample(x.n, cwSize)) : x;
    if (prior === 'gaussian') {
      return {
        value: cramerWoldToNormal(context, sample),
        gamma: silvermanGamma(cwSize),
        form: 'closed form against N(0, I)',
      };
    }
    const gamma = silvermanGamma(cwSize, 1 / d);
    return {
      value: cramerWoldToUniformSphere(context, sample, gamma),
      gamma,
      form: 'closed form against the uniform distribution on the sphere',
    };
  });

  const { dimensions, activeCount, activeSource } = time('dimensions', () =>
    dimensionFigures(finite, options.posterior, warnings),
  );

  const holeDetails =
    options.holes?.enabled === false
      ? undefined
      : time('holes', () => {
          const rng = random(5);
          return findHoles(context, x, drawPrior(rng), rng, options.holes);
        });

  let sphere: CoverageReport['sphere'];
  if (sphereRadius !== undefined) {
    const radius = sphereRadius;
    sphere =
      d < 2
        ? { reason: 'd = 1: the sphere S⁰ is two points; uniformity tests need d ≥ 2' }
        : time('sphere', () => {
            const rng = random(6);
            const size = Math.min(x.n, options.sphere?.subsample ?? 5000);
            const sample = size < x.n ? selectRows(x, rng.sample(x.n, size)) : x;
            return {
              rayleigh: rayleighTest(moments.mean, x.n),
              bingham: binghamTest(moments, x.n),
              projections: projectionKs(sample, options.sphere?.directions ?? Math.min(d, 16), rng),
              radius,
            };
          });
  }

  const plots = time('plots', () =>
    makePlots(
      x,
      prior,
      rowRadii,
      pairs,
      dimensions,
      moments.covariance,
      moments.mean,
      holeDetails,
      random(7),
    ),
  );

  const report: CoverageReport = {
    n: x.n,
    d,
    prior,
    rows: { input: n, used: x.n, dropped_non_finite: dropped },
    mardia: mardiaFigures,
    radius_ks: radiusFigures,
    pairwise_ks: pairwiseFigures,
    mmd: mmdFigures,
    sliced_wasserstein: sw.value,
    sliced_wasserstein_details: { directions: sw.directions, subsample: sw.subsample, p: 2 },
    cramer_wold: cw.value,
    cramer_wold_details: { subsample: cwSize, gamma: cw.gamma, form: cw.form },
    dimensions,
    active_units: activeCount,
    active_units_source: activeSource,
    holes: holeDetails
      ? holeDetails.figures
      : { fraction: null, threshold: null, centers: [], reason: 'disabled' },
    ...(sphere !== undefined ? { sphere } : {}),
    plots,
    kernels: context.simd ? 'wasm-simd' : 'javascript',
    seed,
    timings_ms: timings,
    warnings,
  };
  return replaceNonFinite(report, warnings);
}

function dimensionFigures(
  x: Latents,
  posterior: CoverageOptions['posterior'],
  warnings: string[],
): {
  dimensions: DimensionFigures[];
  activeCount: number;
  activeSource: 'latents' | 'posterior-means';
} {
  const { n, d } = x;
  const { mean, variance } = columnMoments(x.data, n, d);
  let kl: Float64Array | undefined;
  let active = activeUnits(x.data, n, d);
  let activeSource: 'latents' | 'posterior-means' = 'latents';
  if (posterior) {
    const rows = posterior.means.length / d;
    if (!Number.isInteger(rows) || rows < 1) {
      warnings.push('posterior means do not have d columns: ignored');
    } else {
      active = activeUnits(posterior.means, rows, d);
      activeSource = 'posterior-means';
      if (posterior.logVariances && posterior.logVariances.length === posterior.means.length) {
        kl = diagonalGaussianKl(posterior.means, posterior.logVariances, rows, d);
      }
    }
  }
  const dimensions = Array.from(mean, (m, k) => ({
    mean: m,
    std: Math.sqrt(variance[k]),
    ...(kl ? { kl: kl[k] } : {}),
    active: active.active[k],
  }));
  return { dimensions, activeCount: active.count, activeSource };
}

function makePlots(
  x: Latents,
  prior: Prior,
  rowRadii: Float64Array,
  pairs: Float64Array,
  dimensions: DimensionFigures[],
  covariance: Float64Array,
  mean: Float64Array,
  holes: ReturnType<typeof findHoles> | undefined,
  random: Random,
): Plots {
  const { d } = x;
  const plots: Plots = {
    dimensions: dimensions.map((dim, k) => ({
      dimension: k,
      variance: dim.std * dim.std,
      ...(dim.kl !== undefined ? { kl: dim.kl } : {}),
      active: dim.active,
    })),
  };
  if (prior === 'gaussian') {
    const chiRange: [number, number] = [chiQuantile(0.001, d), chiQuantile(0.999, d)];
    plots.radius = densityPlot(
      rowRadii,
      (r) => Math.exp(chiLogPdf(r, d)),
      `‖z‖ against chi_${d}`,
      chiRange,
    );
    plots.qq = qqPlot(rowRadii, (p) => chiQuantile(p, d), `quantiles of ‖z‖ against chi_${d}`);
    plots.pairwise = densityPlot(
      pairs,
      (r) => Math.exp(chiLogPdf(r, d)),
      `‖z − z′‖/√2 of disjoint pairs against chi_${d}`,
      chiRange,
    );
  } else if (d >= 2) {
    const density = (t: number) => {
      const h = 1e-4;
      return (
        (sphereMarginalCdf(Math.min(1, t + h), d) - sphereMarginalCdf(Math.max(-1, t - h), d)) /
        (2 * h)
      );
    };
    const theta = random.unitVectors(1, d);
    const projection = new Float64Array(x.n);
    for (let i = 0; i < x.n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x.data[i * d + k] * theta[k];
      projection[i] = s;
    }
    plots.qq = qqPlot(
      projection,
      (p) => sphereMarginalQuantile(p, d),
      'quantiles of ⟨u, θ⟩ against the uniform sphere marginal',
    );
    plots.pairwise = densityPlot(
      pairs,
      density,
      'inner products u·u′ of disjoint pairs against the uniform sphere marginal',
    );
  }
  if (holes) {
    // Axes that show the holes: the leading directions of S_holes − S_encoded (second moments
    // about the encoded mean), where the hole samples spread most beyond the encoded points;
    // the encoded points' principal axes when there are too few hole samples.
    const useHoles = holes.holeSamples.n >= 10;
    const [u, v] =
      d < 2
        ? [Float64Array.of(1), Float64Array.of(0)]
        : leadingAxes(useHoles ? holeContrast(holes.holeSamples, mean, covariance) : covariance, d);
    const project = (data: Float64Array, row: number): [number, number] => {
      let a = 0;
      let b = 0;
      for (let k = 0; k < d; k++) {
        const c = data[row * d + k] - mean[k];
        a += c * u[k];
        b += c * v[k];
      }
      return [a, b];
    };
    const shown = random.sample(x.n, Math.min(x.n, 3000));
    plots.holes = {
      axes: useHoles
        ? 'directions where the holes spread most beyond the encoded points'
        : 'first two principal axes of the encoded points',
      encoded: Array.from(shown, (i) => project(x.data, i)),
      holes: Array.from({ length: Math.min(holes.holeSamples.n, 1000) }, (_, i) =>
        project(holes.holeSamples.data, i),
      ),
      centers: holes.figures.centers.map((c) => project(Float64Array.from(c), 0)),
    };
  }
  return plots;
}

/**
 * S_holes − S_encoded + c·I, S_holes the second moment of the hole samples about the encoded
 * mean; the shift c (a bound on the spectral radius of the difference) makes its top eigenvalues
 * the largest in magnitude, as the power iteration of `leadingAxes` needs.
 */
function holeContrast(holes: Latents, mean: Float64Array, covariance: Float64Array): Float64Array {
  const { data, n, d } = holes;
  const out = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const a = data[i * d + j] - mean[j];
      for (let k = 0; k < d; k++) out[j * d + k] += (a * (data[i * d + k] - mean[k])) / n;
    }
  let shift = 0;
  for (let j = 0; j < d; j++) {
    let row = 0;
    for (let k = 0; k < d; k++) {
      out[j * d + k] -= covariance[j * d + k];
      row += Math.abs(out[j * d + k]);
    }
    shift = Math.max(shift, row);
  }
  for (let j = 0; j < d; j++) out[j * d + j] += shift;
  return out;
}

/** Any NaN/±Infinity left in the report becomes null, with a warning naming where. */
function replaceNonFinite<T>(report: T, warnings: string[]): T {
  const visit = (value: unknown, path: string): unknown => {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value;
      warnings.push(`${path} was not finite (${value}) and is reported as null`);
      return null;
    }
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${path}[${i}]`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, path ? `${path}.${k}` : k);
      return out;
    }
    return value;
  };
  return visit(report, '') as T;
}
