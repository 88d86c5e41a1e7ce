import { describe, expect, it } from 'vitest';
import { chiCdf, chiQuantile, chiSf, chiSquareSf } from '../../src-main/engine/special/chi';
import { cramerWoldPhi, cramerWoldPhiOf } from '../../src-main/engine/special/hypergeometric';
import {
  durbinMatrixCdf,
  kolmogorovSmirnovCdf,
  kolmogorovSmirnovSf,
  pomeranzCdf,
  smirnovSf,
} from '../../src-main/engine/special/ks';
import { normalCdf, normalQuantile, normalTwoSidedP } from '../../src-main/engine/special/normal';
import {
  sphereMarginalCdf,
  sphereMarginalQuantile,
} from '../../src-main/engine/special/sphere-marginal';
import { close, loadFixtures, loadReference } from './reference';

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
});

describe('Kolmogorov–Smirnov distribution (scipy.stats.kstwo, Simard & L’Ecuyer 2011)', () => {
  it('P(D_n ≥ x) and P(D_n ≤ x) equal scipy for n from 1 to 100001 in every regime', () => {
    for (const c of fixtures.kstwo) {
      const where = `n=${c.n}, x=${c.x}`;
      expect(close(kolmogorovSmirnovSf(c.n, c.x), c.sf, 1e-9, 1e-15), `sf ${where}`).toBe(true);
      expect(close(kolmogorovSmirnovCdf(c.n, c.x), c.cdf, 1e-9, 1e-15), `cdf ${where}`).toBe(true);
    }
  });
  it('the one-sided P(D_n⁺ ≥ x) (Birnbaum–Tingey) equals scipy.special.smirnov', () => {
    for (const c of fixtures.kstwo) {
      expect(close(smirnovSf(c.n, c.x), c.smirnov, 1e-9, 1e-300), `n=${c.n}, x=${c.x}`).toBe(true);
    }
  });
  it('the exact methods agree with each other where both apply', () => {
    // Durbin–MTW and Pomeranz are both exact for small n (Pomeranz needs n·x > 1).
    for (const n of [5, 20, 60])
      for (const x of [0.08, 0.15, 0.25]) {
        if (n * x <= 1) continue;
        expect(close(durbinMatrixCdf(n, x), pomeranzCdf(n, x), 1e-11)).toBe(true);
      }
  });
  it('has the textbook limits', () => {
    expect(kolmogorovSmirnovSf(10, 0)).toBe(1);
    expect(kolmogorovSmirnovSf(10, 1)).toBe(0);
    expect(kolmogorovSmirnovSf(10, 0.04)).toBe(1); // x ≤ 1/(2n)
    expect(close(kolmogorovSmirnovSf(1, 0.7), 0.6, 1e-14)).toBe(true); // n = 1: 2(1 − x)
  });
});

describe('Cramér–Wold kernel φ_D(s) = ₁F₁(½; D/2; −s)', () => {
  it('matches 40-digit mpmath for D = 1…1000 and s = 0…1e6', () => {
    for (const { d, s, value } of fixtures.cramer_wold_phi) {
      const where = `D=${d}, s=${s}`;
      expect(close(cramerWoldPhi(d, s), value, 1e-12, 1e-300), where).toBe(true);
      expect(close(cramerWoldPhiOf(d)(s), value, 1e-12, 1e-300), `table ${where}`).toBe(true);
    }
  });
  it('has the closed forms φ_1 = e^{−s} and φ_3 = √π erf(√s)/(2√s)', () => {
    expect(close(cramerWoldPhi(1, 2.5), Math.exp(-2.5), 1e-15)).toBe(true);
    // erf(√2) = 0.954499736103642
    expect(
      close(
        cramerWoldPhi(3, 2),
        (Math.sqrt(Math.PI) * 0.9544997361036416) / (2 * Math.SQRT2),
        1e-13,
      ),
    ).toBe(true);
  });
  it('the interpolated evaluator equals the direct one across the table', () => {
    for (const d of [2, 5, 20, 64, 200]) {
      const fast = cramerWoldPhiOf(d);
      for (let s = 0; s < 2 * d + 60; s += 0.377) {
        expect(close(fast(s), cramerWoldPhi(d, s), 1e-12), `D=${d}, s=${s}`).toBe(true);
      }
    }
  });
  it('approaches the CWAE code’s approximation (1 + 4s/(2D − 3))^{−½} for large D', () => {
    for (const s of [1, 50, 500]) {
      const approximation = 1 / Math.sqrt(1 + (4 * s) / (2 * 512 - 3));
      expect(close(cramerWoldPhi(512, s), approximation, 1e-3)).toBe(true);
    }
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
