// Mardia's statistics and the radius KS test against statistics.json: statistics to 1e-6
// relative, p-values to 1e-4 relative or 1e-12 absolute.
import { describe, expect, it } from 'vitest';
import { createKernelContext } from '../../src-main/engine/coverage/kernels/gram-kernels';
import { finiteRows } from '../../src-main/engine/coverage/latents';
import { mardia } from '../../src-main/engine/coverage/mardia';
import { meanAndCovariance } from '../../src-main/engine/coverage/moments';
import { coverageReport } from '../../src-main/engine/coverage/report';
import { close, loadReference, matrix } from './reference';

const reference = loadReference();
const statistic = (a: number, b: number) => close(a, b, 1e-6);
const pValue = (a: number, b: number) => close(a, b, 1e-4, 1e-12);

describe.each(Object.entries(reference.samples))('%s', (name, sample) => {
  const { z, n, d } = matrix(sample.data);
  const report = coverageReport(z, n, d, { prior: 'gaussian', seed: 1, holes: { enabled: false } });

  it('Mardia skewness: b1, n·b1/6, df and χ² p', () => {
    const s = report.mardia.skewness!;
    expect(statistic(s.b1!, sample.mardia.b1)).toBe(true);
    expect(statistic(s.statistic!, sample.mardia.skewness_statistic)).toBe(true);
    expect(s.df).toBe(sample.mardia.skewness_df);
    expect(pValue(s.p!, sample.mardia.skewness_p)).toBe(true);
  });

  it('Mardia kurtosis: b2, z and two-sided normal p', () => {
    const k = report.mardia.kurtosis!;
    expect(statistic(k.b2!, sample.mardia.b2)).toBe(true);
    expect(statistic(k.z!, sample.mardia.kurtosis_z)).toBe(true);
    expect(pValue(k.p!, sample.mardia.kurtosis_p)).toBe(true);
  });

  it('radius KS against chi_d, exact p as scipy.stats.kstest', () => {
    const r = report.radius_ks;
    expect(statistic(r.statistic!, sample.radius_ks.statistic)).toBe(true);
    expect(pValue(r.p!, sample.radius_ks.p)).toBe(true);
  });

  it('rejects at α = 0.05 exactly when the reference p-values do', () => {
    expect(report.mardia.skewness!.p! < 0.05).toBe(sample.mardia.skewness_p < 0.05);
    expect(report.mardia.kurtosis!.p! < 0.05).toBe(sample.mardia.kurtosis_p < 0.05);
    expect(report.radius_ks.p! < 0.05).toBe(sample.radius_ks.p < 0.05);
  });

  it('both evaluations of b1 (tensor and pairwise), SIMD and JavaScript kernels, agree', () => {
    const { latents } = finiteRows(z, n, d);
    for (const forceJavaScript of [false, true]) {
      const context = createKernelContext(forceJavaScript);
      const moments = meanAndCovariance(latents, context);
      for (const method of ['third-moment-tensor', 'pairwise'] as const) {
        const m = mardia(latents, moments, context, { method });
        expect(statistic(m.skewness!.b1, sample.mardia.b1), `${name} ${method}`).toBe(true);
        expect(statistic(m.kurtosis!.b2, sample.mardia.b2)).toBe(true);
      }
    }
  });
});

describe('the third-moment tensor in slices', () => {
  it('gives the same b1 when the tensor is split over several passes', () => {
    const sample = reference.samples.gaussian_n1000_d8;
    const { z, n, d } = matrix(sample.data);
    const { latents } = finiteRows(z, n, d);
    const context = createKernelContext();
    const moments = meanAndCovariance(latents, context);
    const sliced = mardia(latents, moments, context, { maxTensorDoubles: 3 * 64 });
    expect(statistic(sliced.skewness!.b1, sample.mardia.b1)).toBe(true);
  });
});
