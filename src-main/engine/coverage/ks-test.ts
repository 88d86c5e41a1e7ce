// The one-sample Kolmogorov–Smirnov test (Kolmogorov 1933, Smirnov 1948):
// D_n = max_i max(i/n − F(x_(i)), F(x_(i)) − (i−1)/n) over the sorted sample, with the exact
// two-sided p-value P(D_n ≥ D) of `special/ks.ts` — the same as scipy.stats.kstest.
import { kolmogorovSmirnovSf } from '../special/ks';

export interface KsFigures {
  statistic: number;
  p: number;
}

/** KS test of `sample` (not modified) against the continuous CDF `cdf`. */
export function ksTest(sample: ArrayLike<number>, cdf: (x: number) => number): KsFigures {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let statistic = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(sorted[i]);
    statistic = Math.max(statistic, (i + 1) / n - F, F - i / n);
  }
  return { statistic, p: kolmogorovSmirnovSf(n, statistic) };
}
