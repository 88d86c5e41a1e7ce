import { describe, expect, it } from 'vitest';
import { logGamma } from '../../../src-main/shared/maths/special/gamma';
import {
  chiCdf,
  chiPdf,
  chiQuantile,
  chiSf,
  chiSquareSf,
} from '../../../src-main/shared/maths/special/chi';
import {
  normalCdf,
  normalQuantile,
  normalTwoSidedP,
} from '../../../src-main/shared/maths/special/normal';
import {
  sphereMarginalCdf,
  sphereMarginalQuantile,
} from '../../../src-main/shared/maths/special/sphere-marginal';
import { close, loadFixtures, loadReference } from '../../coverage/reference';

const reference = loadReference();
const fixtures = loadFixtures();

describe('chi distribution: P(‖z‖ ≤ r) = P(d/2, r²/2)', () => {
  it('matches chi_cdf in statistics.json to 1e-6 relative', () => {
    for (const { d, r, value } of reference.chi_cdf) {
      expect(close(chiCdf(r, d), value, 1e-6, 1e-300), `chi_${d} at ${r}`).toBe(true);
    }
  });
  it('keeps the upper tail accurate where 1 − CDF would cancel', () => {
    // chi_1: P(|z| > 10) = erfc(10/√2) (scipy.stats.chi.sf(10, 1))
    expect(close(chiSf(10, 1), 1.5239706048320995e-23, 1e-10)).toBe(true);
    expect(close(chiSf(3, 4) + chiCdf(3, 4), 1, 1e-15)).toBe(true);
  });
  it('inverts: chiCdf(chiQuantile(p)) = p', () => {
    for (const d of [1, 2, 16, 128])
      for (const p of [1e-6, 0.01, 0.5, 0.99]) {
        expect(close(chiCdf(chiQuantile(p, d), d), p, 1e-9)).toBe(true);
      }
  });
  it('gives the χ² survival of the reference skewness statistics, down to 1e-161', () => {
    for (const [name, sample] of Object.entries(reference.samples)) {
      const { skewness_statistic, skewness_df, skewness_p } = sample.mardia;
      expect(close(chiSquareSf(skewness_statistic, skewness_df), skewness_p, 1e-10), name).toBe(
        true,
      );
    }
  });
  it('the chi density integrates to one and has the mean √2·Γ((k+1)/2)/Γ(k/2)', () => {
    for (const k of [1, 3, 16]) {
      let mass = 0;
      let mean = 0;
      for (let r = 0.0005; r < 20; r += 0.001) {
        mass += chiPdf(r, k) * 0.001;
        mean += r * chiPdf(r, k) * 0.001;
      }
      expect(mass).toBeCloseTo(1, 3);
      expect(mean).toBeCloseTo(Math.SQRT2 * Math.exp(logGamma((k + 1) / 2) - logGamma(k / 2)), 2);
    }
  });
  it('chi quantile inverts the CDF; chi_1 is the half-normal', () => {
    expect(chiCdf(chiQuantile(0.3, 16), 16)).toBeCloseTo(0.3, 10);
    expect(chiQuantile(0.5, 1)).toBeCloseTo(0.6744897501960817, 8);
  });
});

describe('standard normal', () => {
  it('two-sided p-values of the reference kurtosis z-scores', () => {
    for (const [name, sample] of Object.entries(reference.samples)) {
      const { kurtosis_z, kurtosis_p } = sample.mardia;
      expect(close(normalTwoSidedP(kurtosis_z), kurtosis_p, 1e-10, 1e-300), name).toBe(true);
    }
  });
  it('Φ and Φ⁻¹ agree', () => {
    expect(close(normalCdf(-1.959963984540054), 0.025, 1e-12)).toBe(true);
    for (const p of [1e-300, 1e-10, 0.3, 0.999])
      expect(close(normalCdf(normalQuantile(p)), p, 1e-9)).toBe(true);
  });
  it('normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 5);
  });
});

describe('one coordinate of a uniform point on S^{d−1}: (1 + t)/2 ~ Beta((d−1)/2, (d−1)/2)', () => {
  it('matches scipy.stats.beta', () => {
    for (const { d, t, cdf } of fixtures.sphere_marginal) {
      expect(close(sphereMarginalCdf(t, d), cdf, 1e-10, 1e-300), `d=${d}, t=${t}`).toBe(true);
    }
  });
  it('is uniform on [−1, 1] for d = 3 (Archimedes) and inverts', () => {
    expect(close(sphereMarginalCdf(0.3, 3), 0.65, 1e-14)).toBe(true);
    for (const d of [2, 3, 10, 128])
      expect(close(sphereMarginalCdf(sphereMarginalQuantile(0.2, d), d), 0.2, 1e-10)).toBe(true);
  });
});
