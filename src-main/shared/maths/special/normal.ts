// The standard normal distribution through erfc, which keeps relative accuracy in both tails:
// Φ(x) = erfc(−x/√2)/2, and the two-sided p-value of a z-score is erfc(|z|/√2).
import erfc from '@stdlib/math-base-special-erfc';
import erfcinv from '@stdlib/math-base-special-erfcinv';

/** Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** P(|Z| ≥ |z|) for Z ~ N(0, 1). */
export function normalTwoSidedP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return -Math.SQRT2 * erfcinv(2 * p);
}
