// The chi distribution with d degrees of freedom, the law of ‖z‖ for z ~ N(0, I_d), and the
// chi-square distribution, the law of ‖z‖². Both reduce to the regularised incomplete gamma:
// P(‖z‖ ≤ r) = P(d/2, r²/2).
import { inverseRegularizedGammaP, logGamma, regularizedGammaP, regularizedGammaQ } from './gamma';

/** CDF of chi_d at r: P(d/2, r²/2). */
export function chiCdf(r: number, d: number): number {
  if (r <= 0) return 0;
  return regularizedGammaP(d / 2, (r * r) / 2);
}

/** Survival function of chi_d at r: Q(d/2, r²/2). */
export function chiSf(r: number, d: number): number {
  if (r <= 0) return 1;
  return regularizedGammaQ(d / 2, (r * r) / 2);
}

/** log density of chi_d: (d−1) log r − r²/2 − (d/2 − 1) log 2 − log Γ(d/2). */
export function chiLogPdf(r: number, d: number): number {
  if (r < 0) return -Infinity;
  if (r === 0) return d === 1 ? 0.5 * Math.log(2 / Math.PI) : -Infinity;
  return (d - 1) * Math.log(r) - (r * r) / 2 - (d / 2 - 1) * Math.LN2 - logGamma(d / 2);
}

/** Density of chi_d at r. */
export function chiPdf(r: number, d: number): number {
  return Math.exp(chiLogPdf(r, d));
}

/** Quantile of chi_d: the r with chiCdf(r, d) = p. */
export function chiQuantile(p: number, d: number): number {
  return Math.sqrt(2 * inverseRegularizedGammaP(p, d / 2));
}

/** Survival function of χ²_k at x: Q(k/2, x/2). */
export function chiSquareSf(x: number, k: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(k / 2, x / 2);
}
