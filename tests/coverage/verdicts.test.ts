import { describe, expect, it } from 'vitest';
import { Random } from '../../src-main/engine/coverage/random';
import { coverageReport } from '../../src-main/engine/coverage/report';
import type { CoverageReport } from '../../src-main/shared/coverage-report';
import { coverageVerdicts, type CoverageVerdict } from '../../src-main/shared/coverage-verdicts';
import { fixtureReport } from './report-fixture';

const byKey = (list: CoverageVerdict[]) => Object.fromEntries(list.map((v) => [v.key, v]));

/** A QQ plot of radii against chi_d quantiles 1…3, the sample scaled by `scale` about `centre`. */
function radiusQq(scale: number, centre = 0): NonNullable<CoverageReport['plots']['qq']> {
  const points = Array.from({ length: 200 }, (_, k) => {
    const theoretical = 1 + (2 * k) / 199;
    return { theoretical, sample: centre + scale * (theoretical - centre) };
  });
  return { points, label: 'quantiles of ‖z‖ against chi_4' };
}

/** The fixture with every test passing, then `changes`. */
function report(changes: Partial<CoverageReport>): CoverageReport {
  const passing = fixtureReport('gaussian', 4, {
    mardia: {
      skewness: { b1: 0.1, statistic: 5, df: 20, p: 0.7 },
      kurtosis: { b2: 24, z: 0.1, p: 0.9 },
      method: 'pairwise',
    },
    radius_ks: { statistic: 0.02, p: 0.6 },
    pairwise_ks: { statistic: 0.03, p: 0.5, pairs: 150, quantity: 'distance/sqrt2' },
    mmd: {
      value: 0.001,
      p: 0.4,
      subsample: 300,
      prior_samples: 300,
      permutations: 200,
      kernel: '',
    },
  });
  const holes = passing.holes;
  return {
    ...passing,
    holes: 'reason' in holes ? holes : { ...holes, fraction: 0.01 },
    plots: { ...passing.plots, qq: radiusQq(1) },
    ...changes,
  };
}

describe('verdicts follow the data', () => {
  it('all tests pass: the summary says the data fills the prior', () => {
    const [summary, ...tests] = coverageVerdicts(report({}));
    expect(summary.key).toBe('summary');
    expect(summary.tone).toBe('good');
    expect(summary.text).toMatch(/fills the prior/);
    for (const v of tests) if (v.p !== null) expect(v.tone).toBe('good');
  });

  it('heavy tails (Mardia kurtosis) beside a radius histogram on the chi curve', () => {
    const r = report({
      mardia: {
        skewness: { b1: 0.1, statistic: 5, df: 20, p: 0.7 },
        kurtosis: { b2: 40, z: 7, p: 1e-12 },
        method: 'pairwise',
      },
    });
    const list = coverageVerdicts(r);
    const v = byKey(list);
    // Each verdict follows its own test: the radius one its KS test and the plot beside it.
    expect(v['radius-ks'].tone).toBe('good');
    expect(v['radius-ks'].text).toMatch(/at the distances from the centre the prior predicts/);
    expect(v['mardia-kurtosis'].tone).toBe('bad');
    expect(v['mardia-kurtosis'].text).toMatch(/Tails are heavier/);
    expect(v.summary.tone).toBe('bad');
    expect(v.summary.text).not.toMatch(/fills the prior/);
    expect(v.summary.text).toMatch(/does not fill the prior/);
    expect(v.summary.detail).toBe('differs: Mardia kurtosis');
  });

  it('a shrunk radius histogram beside Gaussian-shaped tails', () => {
    const r = report({
      radius_ks: { statistic: 0.3, p: 1e-15 },
      plots: { ...report({}).plots, qq: radiusQq(0.6) },
    });
    const v = byKey(coverageVerdicts(r));
    expect(v['mardia-kurtosis'].tone).toBe('good');
    // Mardia is affine invariant: its sentence must not vouch for the prior's scale.
    expect(v['mardia-kurtosis'].text).not.toMatch(/prior/);
    expect(v['radius-ks'].tone).toBe('bad');
    expect(v['radius-ks'].text).toMatch(/closer to the centre than the prior predicts/);
    expect(v.summary.text).not.toMatch(/fills the prior/);
    expect(v.summary.detail).toBe('differs: radius KS');
  });

  it('the radius sentence says which way the plot departs', () => {
    const text = (qq: ReturnType<typeof radiusQq>) =>
      byKey(
        coverageVerdicts(
          report({ radius_ks: { statistic: 0.2, p: 1e-6 }, plots: { ...report({}).plots, qq } }),
        ),
      )['radius-ks'].text;
    expect(text(radiusQq(1.5))).toMatch(/further from the centre/);
    expect(text(radiusQq(1.6, 2))).toMatch(/vary more than the prior predicts/);
    expect(text(radiusQq(0.5, 2))).toMatch(/thinner shell/);
    // On the diagonal the plot shows no direction: the sentence claims none.
    expect(text(radiusQq(1))).toMatch(/at other distances from the centre/);
  });

  it('a test that could not be computed is said so, and the summary does not claim a fill', () => {
    const r = report({
      mardia: { skewness: null, kurtosis: null, reason: 'n = 4 ≤ d = 6: singular' },
    });
    const v = byKey(coverageVerdicts(r));
    expect(v['mardia-kurtosis']).toMatchObject({ tone: 'info', note: /singular/ });
    expect(v.summary.tone).toBe('good');
    expect(v.summary.text).not.toMatch(/fills the prior/);
    expect(v.summary.note).toBe('not computed: Mardia skewness, Mardia kurtosis');
  });

  it('weak differences only: the summary hedges, and still claims no fill', () => {
    const v = byKey(
      coverageVerdicts(
        report({
          pairwise_ks: { statistic: 0.09, p: 0.02, pairs: 150, quantity: 'distance/sqrt2' },
        }),
      ),
    );
    expect(v['pairwise-ks'].tone).toBe('warn');
    expect(v.summary.tone).toBe('warn');
    expect(v.summary.text).toMatch(/may not fill the prior evenly: 1 of 6 checks/);
    expect(v.summary.text).not.toMatch(/fills the prior/);
  });

  it('holes alone stop the summary from claiming a fill', () => {
    const r = report({});
    const holes = { ...r.holes, fraction: 0.3 } as CoverageReport['holes'];
    const v = byKey(coverageVerdicts({ ...r, holes }));
    expect(v.holes.tone).toBe('bad');
    expect(v.summary.detail).toBe('differs: prior holes');
  });
});

describe('verdicts of real engine reports', () => {
  const random = new Random(11);
  const quick = { holes: { priorSamples: 500, queries: 300 }, mmd: { subsample: 300 } };

  it('a shrunk Gaussian: Mardia sees a Gaussian shape, the radius test a cloud too close in', () => {
    const z = random.normalMatrix(1500, 4).map((v) => 0.6 * v);
    const v = byKey(coverageVerdicts(coverageReport(z, 1500, 4, { prior: 'gaussian', ...quick })));
    expect(v['mardia-kurtosis'].tone).toBe('good');
    expect(v['radius-ks'].tone).toBe('bad');
    expect(v['radius-ks'].text).toMatch(/closer to the centre/);
    expect(v.summary.text).not.toMatch(/fills the prior/);
  });

  it('heavy tails: Mardia kurtosis and the summary flag them', () => {
    // A scale mixture of Gaussians: Gaussian-looking marginals, heavy multivariate tails.
    const n = 1500;
    const d = 4;
    const z = random.normalMatrix(n, d);
    for (let i = 0; i < n; i++) {
      const s = random.uniform() < 0.2 ? 2.5 : 0.7;
      for (let k = 0; k < d; k++) z[i * d + k] *= s;
    }
    const v = byKey(coverageVerdicts(coverageReport(z, n, d, { prior: 'gaussian', ...quick })));
    expect(v['mardia-kurtosis'].tone).toBe('bad');
    expect(v['mardia-kurtosis'].text).toMatch(/Tails are heavier/);
    expect(v.summary.text).not.toMatch(/fills the prior/);
  });

  it('the summary says "fills" exactly when every judged test passes', () => {
    for (const [prior, z, d] of [
      ['gaussian', random.normalMatrix(800, 3), 3],
      ['sphere', random.unitVectors(800, 3), 3],
    ] as const) {
      const [summary, ...tests] = coverageVerdicts(
        coverageReport(z, 800, d, { prior, seed: 5, ...quick }),
      );
      const judged = tests.filter((t) => t.p !== null || t.key === 'holes');
      const allPass = judged.every((t) => t.tone === 'good');
      expect(/fills the prior/.test(summary.text)).toBe(allPass);
    }
  });
});
