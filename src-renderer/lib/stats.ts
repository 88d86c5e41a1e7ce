/** Densities and quantiles the coverage plots draw as references. */

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Density of the chi distribution with k degrees of freedom (the radius of N(0, I_k)). */
export function chiPdf(r: number, k: number): number {
  if (r <= 0) return k === 1 ? Math.sqrt(2 / Math.PI) : 0;
  return Math.exp((k - 1) * Math.log(r) - (r * r) / 2 - (k / 2 - 1) * Math.LN2 - logGamma(k / 2));
}

/** Mean of the chi distribution: √2·Γ((k+1)/2)/Γ(k/2). */
export function chiMean(k: number): number {
  return Math.SQRT2 * Math.exp(logGamma((k + 1) / 2) - logGamma(k / 2));
}

/** Regularised lower incomplete gamma P(a, x) (series below a + 1, continued fraction above). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lg = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - lg));
  }
  // Lentz's continued fraction for Q(a, x).
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - Math.exp(-x + a * Math.log(x) - lg) * h);
}

/** CDF of chi_k at r: P(k/2, r²/2). */
export function chiCdf(r: number, k: number): number {
  return r <= 0 ? 0 : gammaP(k / 2, (r * r) / 2);
}

/** Quantile of chi_k by bisection on the CDF (monotone; 80 halvings reach double precision). */
export function chiQuantile(p: number, k: number): number {
  if (p <= 0) return 0;
  let lo = 0;
  let hi = Math.sqrt(k) + 10;
  while (chiCdf(hi, k) < p && hi < 1e6) hi *= 2;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (chiCdf(mid, k) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Standard normal quantile (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
} // prettier-ignore

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
} // prettier-ignore

/**
 * QQ pairs of sample quantiles against theoretical ones at plotting positions (i − 0.5)/n,
 * thinned to at most `points` pairs.
 */
export function qqPairs(
  sample: ArrayLike<number>,
  quantile: (p: number) => number,
  points = 200,
): { theoretical: number; sample: number }[] {
  const sorted = Array.from(sample)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / points));
  const out: { theoretical: number; sample: number }[] = [];
  for (let i = 0; i < n; i += step)
    out.push({ theoretical: quantile((i + 0.5) / n), sample: sorted[i] });
  return out;
}

/** Distances between disjoint pairs of rows (row 2i with 2i + 1), divided by √2. */
export function pairwiseScaledDistances(
  data: ArrayLike<number>,
  n: number,
  d: number,
): Float32Array {
  const pairs = Math.floor(n / 2);
  const out = new Float32Array(pairs);
  for (let p = 0; p < pairs; p++) {
    let s = 0;
    for (let i = 0; i < d; i++) {
      const v = data[2 * p * d + i] - data[(2 * p + 1) * d + i];
      s += v * v;
    }
    out[p] = Math.sqrt(s / 2);
  }
  return out;
}

/**
 * Density of t = x·y for independent uniform points x, y on S^{d−1}:
 * Γ(d/2) / (√π·Γ((d−1)/2)) · (1 − t²)^{(d−3)/2} on [−1, 1].
 */
export function sphereCosinePdf(t: number, d: number): number {
  if (t <= -1 || t >= 1) return d === 2 ? Infinity : d === 3 ? 0.5 : 0;
  const logC = logGamma(d / 2) - 0.5 * Math.log(Math.PI) - logGamma((d - 1) / 2);
  return Math.exp(logC + ((d - 3) / 2) * Math.log(1 - t * t));
}

/** Cosines between disjoint pairs of rows (row 2i with 2i + 1). */
export function pairwiseCosines(data: ArrayLike<number>, n: number, d: number): Float32Array {
  const pairs = Math.floor(n / 2);
  const out = new Float32Array(pairs);
  for (let p = 0; p < pairs; p++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < d; i++) {
      const a = data[2 * p * d + i];
      const b = data[(2 * p + 1) * d + i];
      ab += a * b;
      aa += a * a;
      bb += b * b;
    }
    out[p] = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
  }
  return out;
}
