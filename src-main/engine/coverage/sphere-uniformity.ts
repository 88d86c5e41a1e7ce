// Tests of uniformity on the sphere S^{d−1} for a hyperspherical prior (Mardia & Jupp 2000, §10.4):
//  - Rayleigh: the mean resultant R̄ = ‖(1/n) Σ u_i‖; d·n·R̄² → χ²_d under uniformity, with
//    Jupp's (2001) second-order correction S* = (1 − 1/(2n)) S + S²/(2n(d + 2)).
//  - Bingham: the scatter matrix T = (1/n) Σ u_i u_iᵀ; (n d (d + 2)/2)(tr T² − 1/d) →
//    χ²_{(d−1)(d+2)/2}. It sees axial (second-moment) departures that the Rayleigh test misses.
//  - Projections: KS tests of ⟨u_i, θ⟩ against the exact law of one coordinate of a uniform
//    point, (1 + t)/2 ~ Beta((d−1)/2, (d−1)/2), along random directions θ; combined by
//    Bonferroni (p = min(1, L · min_θ p_θ)). Sees any departure visible in some 1-D marginal.
import { chiSquareSf } from '../../shared/maths/special/chi';
import { sphereMarginalCdf } from '../../shared/maths/special/sphere-marginal';
import { ksTest } from './ks-test';
import type { Latents } from './latents';
import type { Moments } from './moments';
import { radii } from './radius';
import type { Random } from './random';

export interface SphereFigures {
  rayleigh: { mean_resultant_length: number; statistic: number; df: number; p: number };
  bingham: { statistic: number; df: number; p: number };
  projections: { statistic: number; p: number; directions: number; subsample: number };
  /** The radii of the input rows before they were projected onto the sphere. */
  radius: { mean: number; min: number; max: number; normalized: boolean };
}

/** Rows scaled to unit norm (zero rows are left at zero and counted). */
export function normalizeRows(x: Latents): { unit: Latents; radii: Float64Array } {
  const { data, n, d } = x;
  const out = new Float64Array(n * d);
  const lengths = radii(x);
  for (let i = 0; i < n; i++) {
    const r = lengths[i];
    const scale = r > 0 ? 1 / r : 0;
    for (let k = 0; k < d; k++) out[i * d + k] = data[i * d + k] * scale;
  }
  return { unit: { data: out, n, d }, radii: lengths };
}

export function rayleighTest(mean: Float64Array, n: number): SphereFigures['rayleigh'] {
  const d = mean.length;
  let r2 = 0;
  for (const m of mean) r2 += m * m;
  const S = d * n * r2;
  const statistic = (1 - 1 / (2 * n)) * S + (S * S) / (2 * n * (d + 2));
  return { mean_resultant_length: Math.sqrt(r2), statistic, df: d, p: chiSquareSf(statistic, d) };
}

/** Bingham's test from the mean and covariance (divisor n) of the unit vectors. */
export function binghamTest(moments: Moments, n: number): SphereFigures['bingham'] {
  const { mean, covariance } = moments;
  const d = mean.length;
  let trace2 = 0;
  for (let j = 0; j < d; j++)
    for (let k = 0; k < d; k++) {
      const t = covariance[j * d + k] + mean[j] * mean[k];
      trace2 += t * t;
    }
  const statistic = ((n * d * (d + 2)) / 2) * (trace2 - 1 / d);
  const df = ((d - 1) * (d + 2)) / 2;
  return { statistic, df, p: chiSquareSf(statistic, df) };
}

export function projectionKs(
  unit: Latents,
  directions: number,
  random: Random,
): SphereFigures['projections'] {
  const { data, n, d } = unit;
  const thetas = random.unitVectors(directions, d);
  const projections = new Float64Array(n);
  let statistic = 0;
  let minP = 1;
  for (let l = 0; l < directions; l++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += data[i * d + k] * thetas[l * d + k];
      projections[i] = s;
    }
    const test = ksTest(projections, (t) => sphereMarginalCdf(t, d));
    statistic = Math.max(statistic, test.statistic);
    minP = Math.min(minP, test.p);
  }
  return { statistic, p: Math.min(1, directions * minP), directions, subsample: n };
}
