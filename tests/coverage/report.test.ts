import { describe, expect, it } from 'vitest';
import { Random } from '../../src-main/engine/coverage/random';
import {
  CoverageError,
  coverageReport,
  type CoverageReport,
} from '../../src-main/engine/coverage/report';

const quick = {
  holes: { priorSamples: 300, queries: 200 },
  mmd: { subsample: 200, permutations: 50 },
};

/** Every number in the report is finite: nothing NaN passed off as a number. */
function numbersAreFinite(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersAreFinite(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => numbersAreFinite(v, `${path}.${k}`));
  }
  return [];
}

function gaussian(n: number, d: number, seed = 1): Float64Array {
  return new Random(seed).normalMatrix(n, d);
}

describe('the report JSON (public interface)', () => {
  const report = coverageReport(gaussian(600, 5), 600, 5, { prior: 'gaussian', seed: 3, ...quick });

  it('has the documented keys', () => {
    expect(report).toMatchObject({ n: 600, d: 5, prior: 'gaussian' });
    expect(Object.keys(report.mardia.skewness!)).toEqual(
      expect.arrayContaining(['b1', 'statistic', 'df', 'p']),
    );
    expect(Object.keys(report.mardia.kurtosis!)).toEqual(expect.arrayContaining(['b2', 'z', 'p']));
    expect(report.radius_ks).toMatchObject({
      statistic: expect.any(Number),
      p: expect.any(Number),
    });
    expect(report.pairwise_ks).toMatchObject({
      statistic: expect.any(Number),
      p: expect.any(Number),
      pairs: 300,
    });
    expect(report.mmd).toMatchObject({
      value: expect.any(Number),
      p: expect.any(Number),
      subsample: 200,
    });
    expect(typeof report.sliced_wasserstein).toBe('number');
    expect(typeof report.cramer_wold).toBe('number');
    expect(report.dimensions).toHaveLength(5);
    for (const dim of report.dimensions)
      expect(dim).toMatchObject({
        mean: expect.any(Number),
        std: expect.any(Number),
        active: true,
      });
    expect(report.active_units).toBe(5);
    expect(report.holes).toMatchObject({
      fraction: expect.any(Number),
      threshold: expect.any(Number),
      centers: expect.any(Array),
    });
    expect(report.plots).toMatchObject({
      radius: expect.any(Object),
      qq: expect.any(Object),
      pairwise: expect.any(Object),
    });
    expect(numbersAreFinite(report)).toEqual([]);
  });

  it('is reproducible from the seed, and the same with JavaScript and SIMD kernels', () => {
    const z = gaussian(600, 5);
    const again = coverageReport(z, 600, 5, { prior: 'gaussian', seed: 3, ...quick });
    const javascript = coverageReport(z, 600, 5, {
      prior: 'gaussian',
      seed: 3,
      ...quick,
      javascriptKernels: true,
    });
    const strip = (r: CoverageReport) => ({ ...r, timings_ms: {}, kernels: '' });
    expect(strip(again)).toEqual(strip(report));
    expect(javascript.kernels).toBe('javascript');
    expect(javascript.mardia.skewness!.b1).toBeCloseTo(report.mardia.skewness!.b1!, 10);
    expect(javascript.mmd.value!).toBeCloseTo(report.mmd.value!, 12);
    expect(javascript.cramer_wold!).toBeCloseTo(report.cramer_wold!, 12);
    expect(javascript.holes.fraction).toBe(report.holes.fraction);
  });

  it('passes Gaussian data and flags a shrunken aggregate posterior', () => {
    expect(report.radius_ks.p!).toBeGreaterThan(1e-3);
    const shrunk = gaussian(600, 5).map((v) => 0.6 * v);
    const bad = coverageReport(shrunk, 600, 5, { prior: 'gaussian', seed: 3, ...quick });
    expect(bad.radius_ks.p!).toBeLessThan(1e-10);
    expect(bad.pairwise_ks.p!).toBeLessThan(1e-10);
    expect(bad.mmd.p!).toBeLessThan(0.05);
    expect(bad.holes.fraction!).toBeGreaterThan(5 * report.holes.fraction! + 0.02);
    expect(bad.sliced_wasserstein!).toBeGreaterThan(3 * report.sliced_wasserstein!);
    expect(bad.cramer_wold!).toBeGreaterThan(3 * report.cramer_wold!);
    // Mardia is affine invariant: a scaled Gaussian is still Gaussian.
    expect(bad.mardia.skewness!.b1).toBeCloseTo(report.mardia.skewness!.b1!, 9);
  });
});

describe('bad input: a clear error or a reason, never a crash or a NaN', () => {
  it('rows with NaN or Infinity are excluded and counted', () => {
    const z = gaussian(300, 3);
    z[3 * 7 + 1] = NaN;
    z[3 * 20] = Infinity;
    z[3 * 21 + 2] = -Infinity;
    const report = coverageReport(z, 300, 3, { prior: 'gaussian', ...quick });
    expect(report.rows).toEqual({ input: 300, used: 297, dropped_non_finite: 3 });
    expect(report.n).toBe(297);
    expect(report.warnings.join(' ')).toMatch(/3 of 300 rows contain NaN or ±Infinity/);
    expect(numbersAreFinite(report)).toEqual([]);
  });

  it('n ≤ d: Mardia undefined with the reason', () => {
    const report = coverageReport(gaussian(4, 6), 4, 6, { prior: 'gaussian', ...quick });
    expect(report.mardia).toMatchObject({
      skewness: null,
      kurtosis: null,
      reason: expect.stringMatching(/n = 4 ≤ d = 6/),
    });
    expect(report.radius_ks.p).toEqual(expect.any(Number));
    expect(numbersAreFinite(report)).toEqual([]);
  });

  it('a singular covariance: Mardia undefined with the reason', () => {
    const n = 200;
    const z = gaussian(n, 3);
    for (let i = 0; i < n; i++) z[i * 3 + 2] = z[i * 3] - 2 * z[i * 3 + 1]; // exact linear dependency
    const report = coverageReport(z, n, 3, { prior: 'gaussian', ...quick });
    expect(report.mardia.skewness).toBeNull();
    expect(report.mardia.reason).toMatch(/singular/);
    const constant = gaussian(n, 3);
    for (let i = 0; i < n; i++) constant[i * 3 + 1] = 0.5;
    expect(coverageReport(constant, n, 3, { prior: 'gaussian', ...quick }).mardia.reason).toMatch(
      /dimension 1 has zero variance/,
    );
    // float32 data with a dependency that holds only up to float32 rounding
    const f32 = new Float32Array(z);
    expect(coverageReport(f32, n, 3, { prior: 'gaussian', ...quick }).mardia.reason).toMatch(
      /singular/,
    );
  });

  it('d = 1 works (univariate skewness and kurtosis, |z| against chi_1)', () => {
    const report = coverageReport(gaussian(500, 1), 500, 1, { prior: 'gaussian', ...quick });
    expect(report.mardia.skewness!.df).toBe(1);
    expect(report.radius_ks.p!).toBeGreaterThan(1e-3);
    expect(numbersAreFinite(report)).toEqual([]);
    const sphere = coverageReport(gaussian(500, 1), 500, 1, { prior: 'sphere', ...quick });
    expect(sphere.sphere).toMatchObject({ reason: expect.stringMatching(/d ≥ 2/) });
    expect(numbersAreFinite(sphere)).toEqual([]);
  });

  it('empty, all-NaN, mis-shaped input and an unknown prior throw CoverageError', () => {
    expect(() => coverageReport(new Float32Array(0), 0, 4, { prior: 'gaussian' })).toThrow(/empty/);
    expect(() =>
      coverageReport(new Float64Array(6).fill(NaN), 3, 2, { prior: 'gaussian' }),
    ).toThrow(/only 0 finite rows of 3/);
    expect(() => coverageReport(new Float64Array(5), 3, 2, { prior: 'gaussian' })).toThrow(
      CoverageError,
    );
    expect(() => coverageReport(new Float64Array(6), 3, 0, { prior: 'gaussian' })).toThrow(
      /bad shape/,
    );
    expect(() => coverageReport(new Float64Array(6), 3, 2, { prior: 'vmf' as never })).toThrow(
      /unknown prior/,
    );
  });
});
