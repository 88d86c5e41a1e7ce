// The law of one coordinate t = u·e of a point u uniform on S^{d−1} (d ≥ 2): density
// ∝ (1 − t²)^{(d−3)/2} on [−1, 1], i.e. (1 + t)/2 ~ Beta((d−1)/2, (d−1)/2). It is also the law of
// u·v for independent uniform u, v, and of u·θ for any fixed unit θ.
import betainc from '@stdlib/math-base-special-betainc';
import betaincinv from '@stdlib/math-base-special-betaincinv';

/** P(t ≤ x). */
export function sphereMarginalCdf(x: number, d: number): number {
  if (x <= -1) return 0;
  if (x >= 1) return 1;
  const a = (d - 1) / 2;
  return betainc((1 + x) / 2, a, a);
}

/** The x with P(t ≤ x) = p. */
export function sphereMarginalQuantile(p: number, d: number): number {
  if (p <= 0) return -1;
  if (p >= 1) return 1;
  const a = (d - 1) / 2;
  return 2 * betaincinv(p, a, a) - 1;
}
