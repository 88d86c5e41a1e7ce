import { describe, expect, it } from 'vitest';
import { CoverageReport } from '../../../src-main/api/records';
import {
  coverageVerdicts,
  dimensionRows,
  pValuePoints,
  qqDomain,
} from '../../../src-renderer/lib/coverage';
import { fixtureReport } from '../../coverage/report-fixture';

const report = fixtureReport('gaussian', 4, {
  n: 5000,
  mardia: {
    skewness: { b1: 0.01, statistic: 12, df: 20, p: 0.9 },
    kurtosis: { b2: 30, z: 6.1, p: 1e-9 },
    method: 'third-moment-tensor',
  },
  radius_ks: { statistic: 0.02, p: 0.2 },
  pairwise_ks: { statistic: 0.1, p: 0.001, pairs: 2500, quantity: 'distance/sqrt2' },
  mmd: {
    value: 0.003,
    p: 0.5,
    subsample: 1000,
    prior_samples: 1000,
    permutations: 200,
    kernel: '',
  },
  sliced_wasserstein: 0.04,
  cramer_wold: 0.01,
  dimensions: [
    { mean: 0, std: 1, kl: 2, active: true },
    { mean: 0, std: 0.01, kl: 0, active: false },
    { mean: 0, std: 1, kl: 1, active: true },
    { mean: 0, std: 1, kl: 1, active: true },
  ],
  active_units: 3,
  holes: {
    fraction: 0.12,
    expected_fraction: 0.01,
    threshold: 1.5,
    quantile: 0.99,
    prior_samples: 2000,
    reference_subsample: 1000,
    centers: [[0, 1, 2, 3]],
    sizes: [240],
  },
});

describe('coverage report', () => {
  it('reads the typed fields as the engine sends them', () => {
    const c = report;
    expect(c.mardia.kurtosis?.p).toBe(1e-9);
    expect(c.radius_ks.p).toBe(0.2);
    expect('pairs' in c.pairwise_ks && c.pairwise_ks.pairs).toBe(2500);
    expect(c.cramer_wold).toBe(0.01);
    expect(c.dimensions[1].active).toBe(false);
    expect(c.holes.centers).toEqual([[0, 1, 2, 3]]);
  });

  it('is refused by the contract when it has a key the engine does not send', () => {
    expect(CoverageReport.safeParse(report).success).toBe(true);
    expect(CoverageReport.safeParse({ ...report, something_new: { x: 1 } }).success).toBe(false);
  });

  it('holds hole centres as latent vectors; a flat array is refused', () => {
    expect(report.holes.centers[0]).toHaveLength(report.d);
    const flat = { ...report, holes: { ...report.holes, centers: new Float32Array([1, 2, 3, 4]) } };
    expect(CoverageReport.safeParse(flat).success).toBe(false);
  });

  it('gives a plain-language verdict per test', () => {
    const v = coverageVerdicts(report);
    const by = Object.fromEntries(v.map((x) => [x.key, x]));
    expect(by['mardia-skewness'].tone).toBe('good');
    expect(by['mardia-kurtosis'].tone).toBe('bad');
    expect(by['mardia-kurtosis'].text).toMatch(/heavier/);
    expect(by['pairwise-ks'].tone).toBe('warn');
    expect(by['active-units'].text).toMatch(/3 of 4/);
    expect(by.holes.text).toMatch(/12\.0%/);
    expect(by.mmd.tone).toBe('good');
  });

  it('is refused by the contract when empty, rather than shown as a blank page', () => {
    expect(CoverageReport.safeParse({}).success).toBe(false);
  });

  it('shapes the p-value strip and the per-dimension bars from the same figures', () => {
    const v = coverageVerdicts(report);
    const points = pValuePoints(v);
    expect(points.map((x) => x.test)).toEqual([
      'Mardia skewness',
      'Mardia kurtosis',
      'radius KS',
      'pairwise KS',
      'MMD',
    ]);
    // A dot's colour follows its verdict's tone.
    for (const x of points) expect(x.tone).toBe(v.find((y) => y.test === x.test)!.tone);
    const { rows, kl } = dimensionRows(report);
    expect(kl).toBe(true);
    expect(rows.map((r) => [r.dim, r.active])).toEqual([
      ['z1', true],
      ['z2', false],
      ['z3', true],
      ['z4', true],
    ]);
    expect(qqDomain(report.plots.qq!.points)).toEqual([1, 3]);
    expect(qqDomain([{ theoretical: null, sample: null }])).toBeNull();
  });
});

describe('coverage report from the engine', () => {
  it('skips tests the engine could not compute and reads the sphere tests and figures', () => {
    const c = fixtureReport('sphere', 3, {
      n: 500,
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
    expect(CoverageReport.safeParse(c).success).toBe(true);
    expect(c.radius_ks).toMatchObject({ statistic: null, p: null });
    const v = Object.fromEntries(coverageVerdicts(c).map((x) => [x.key, x]));
    expect(v['radius-ks']).toBeUndefined();
    expect(v['mardia-kurtosis']).toBeUndefined();
    expect(v.rayleigh.tone).toBe('bad');
    expect(v.rayleigh.text).toMatch(/lean to one side/);
    expect(v.bingham.tone).toBe('good');
    expect(c.plots.pairwise?.bins).toHaveLength(1);
    expect(c.plots.radius).toBeUndefined();
    expect(c.plots.qq?.points).toHaveLength(1);
    expect(c.plots.holes?.centers).toEqual([[2, 2]]);
  });
});
