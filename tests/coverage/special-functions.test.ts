import { describe, expect, it } from 'vitest';
import { cramerWoldPhi, cramerWoldPhiOf } from '../../src-main/engine/special/hypergeometric';
import {
  durbinMatrixCdf,
  kolmogorovSmirnovCdf,
  kolmogorovSmirnovSf,
  pomeranzCdf,
  smirnovSf,
} from '../../src-main/engine/special/ks';
import { close, loadFixtures } from './reference';

// The chi, normal and sphere-marginal laws: tests/shared/maths/special-functions.test.ts
const fixtures = loadFixtures();

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
