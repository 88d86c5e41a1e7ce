import { describe, expect, it } from 'vitest';
import { readCoverage, verdicts } from '../../../src-renderer/lib/coverage';

const report = {
  n: 5000,
  d: 4,
  prior: 'gaussian',
  mardia: {
    skewness: { b1: 0.01, statistic: 12, df: 20, p: 0.9 },
    kurtosis: { b2: 30, z: 6.1, p: 1e-9 },
  },
  radius_ks: { statistic: 0.02, p: 0.2 },
  pairwise_ks: { statistic: 0.1, p: 0.001, pairs: 2500 },
  mmd: { value: 0.003, p: 0.5 },
  sliced_wasserstein: 0.04,
  cramer_wold: { value: 0.01 },
  dimensions: [
    { mean: 0, std: 1, kl: 2, active: true },
    { mean: 0, std: 0.01, kl: 0, active: false },
    { mean: 0, std: 1, active: true },
    { mean: 0, std: 1, active: true },
  ],
  active_units: 3,
  holes: { fraction: 0.12, threshold: 1.5, centers: [[0, 1, 2, 3]] },
  plots: { radii: [1, 2, 3] },
  something_new: { x: 1 },
};

describe('coverage report', () => {
  it('reads the report keys it knows and ignores the rest', () => {
    const c = readCoverage(report);
    expect(c.mardia?.kurtosis?.p).toBe(1e-9);
    expect(c.radiusKs?.p).toBe(0.2);
    expect(c.pairwiseKs?.pairs).toBe(2500);
    expect(c.cramerWold).toBe(0.01);
    expect(c.dimensions[1].active).toBe(false);
    expect(c.holes?.centers).toEqual([[0, 1, 2, 3]]);
  });

  it('reads hole centres given flat', () => {
    const c = readCoverage({
      d: 2,
      holes: { fraction: 0.5, centers: new Float32Array([1, 2, 3, 4]) },
    });
    expect(c.holes?.centers).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('gives a plain-language verdict per test', () => {
    const v = verdicts(readCoverage(report));
    const by = Object.fromEntries(v.map((x) => [x.key, x]));
    expect(by['mardia-skewness'].tone).toBe('good');
    expect(by['mardia-kurtosis'].tone).toBe('bad');
    expect(by['mardia-kurtosis'].text).toMatch(/heavier/);
    expect(by['pairwise-ks'].tone).toBe('warn');
    expect(by['active-units'].text).toMatch(/3 of 4/);
    expect(by.holes.text).toMatch(/12\.0%/);
    expect(by.mmd.tone).toBe('good');
  });

  it('survives an empty report', () => {
    expect(verdicts(readCoverage({}))).toEqual([]);
  });
});

describe('coverage report from the engine', () => {
  it('skips tests the engine could not compute and reads the sphere tests and figures', async () => {
    const { densityFigure, holeMap, qqFigure } = await import('../../../src-renderer/lib/coverage');
    const c = readCoverage({
      n: 500,
      d: 3,
      prior: 'sphere',
      radius_ks: { statistic: null, p: null, reason: 'not defined on the sphere' },
      mmd: { value: null, p: null, reason: 'disabled' },
      sphere: {
        rayleigh: { mean_resultant_length: 0.8, statistic: 900, df: 3, p: 1e-12 },
        bingham: { statistic: 3, df: 5, p: 0.6 },
        projections: { statistic: 0.3, p: 0.001, directions: 20, subsample: 500 },
        radius: { mean: 1, min: 1, max: 1, normalized: false },
      },
      plots: {
        dimensions: [],
        pairwise: {
          bins: [{ x0: -1, x1: 0, density: 0.5 }],
          curve: [{ x: 0, density: 0.5 }],
          label: 'u·u′',
        },
        qq: { points: [{ theoretical: 0, sample: 0.1 }], label: 'marginal' },
        holes: { axes: 'pc', encoded: [[0, 1]], holes: [[2, 2]], centers: [[2, 2]] },
      },
    });
    expect(c.radiusKs).toBeUndefined();
    expect(c.mmd).toBeUndefined();
    const v = Object.fromEntries(verdicts(c).map((x) => [x.key, x]));
    expect(v['radius-ks']).toBeUndefined();
    expect(v.rayleigh.tone).toBe('bad');
    expect(v.rayleigh.text).toMatch(/lean to one side/);
    expect(v.bingham.tone).toBe('good');
    expect(densityFigure(c.plots, 'pairwise')?.bins).toHaveLength(1);
    expect(densityFigure(c.plots, 'radius')).toBeUndefined();
    expect(qqFigure(c.plots)?.points).toHaveLength(1);
    expect(holeMap(c.plots)?.centers).toEqual([[2, 2]]);
  });
});
