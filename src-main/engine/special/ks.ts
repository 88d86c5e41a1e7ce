// The distribution of the two-sided one-sample Kolmogorov–Smirnov statistic
// D_n = sup_x |F_n(x) − F(x)| for a continuous F, and of its one-sided sibling D_n⁺.
//
// `kolmogorovSmirnovSf(n, d)` = P(D_n ≥ d) picks, for each (n, d), the method that Simard &
// L'Ecuyer (2011, "Computing the two-sided Kolmogorov–Smirnov distribution", J. Stat. Softw.
// 39(11)) recommend, with the same switch points as scipy.stats.kstwo (scipy/stats/_ksstats.py),
// so p-values agree with `scipy.stats.kstest(..., method='auto')`:
//   - Ruben & Gambino (1982) closed forms for n·d ≤ 1 and n·d ≥ n − 1;
//   - 2·P(D_n⁺ ≥ d) when d ≥ 1/2 (exact: the two one-sided events are then disjoint) or in the
//     far tail (the overlap is below double precision);
//   - Durbin's (1968) matrix algorithm as evaluated by Marsaglia, Tsang & Wang (2003);
//   - Pomeranz's (1974) recursion for n ≤ 140;
//   - the Pelz & Good (1976) asymptotic series for the rest.
// The one-sided tail P(D_n⁺ ≥ d) is the Birnbaum & Tingey (1951) sum, evaluated in log space.
import { identity, matmul } from '../../shared/maths/linalg';

/** Below this log, exp underflows to 0. */
const MIN_LOG = -708;

/** P(D_n ≥ d): the exact two-sided KS p-value (scipy's `kstwo.sf(d, n)`). */
export function kolmogorovSmirnovSf(n: number, d: number): number {
  return clip(kolmogorovSmirnov(n, d, false));
}

/** P(D_n ≤ d) (scipy's `kstwo.cdf(d, n)`). */
export function kolmogorovSmirnovCdf(n: number, d: number): number {
  return clip(kolmogorovSmirnov(n, d, true));
}

function kolmogorovSmirnov(n: number, d: number, wantCdf: boolean): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(d)) return NaN;
  const pick = (cdf: number, sf: number) => (wantCdf ? cdf : sf);
  if (d >= 1) return pick(1, 0);
  if (d <= 0) return pick(0, 1);
  const t = n * d;
  if (t <= 1) {
    // Ruben–Gambino: for 1/(2n) ≤ d ≤ 1/n, P(D_n ≤ d) = n!/nⁿ (2t − 1)ⁿ.
    if (t <= 0.5) return pick(0, 1);
    const cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return pick(cdf, 1 - cdf);
  }
  if (t >= n - 1) {
    // Ruben–Gambino: for d ≥ 1 − 1/n, P(D_n ≥ d) = 2(1 − d)ⁿ.
    const sf = 2 * Math.pow(1 - d, n);
    return pick(1 - sf, sf);
  }
  if (d >= 0.5) {
    const sf = 2 * smirnovSf(n, d);
    return pick(1 - sf, sf);
  }
  const nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 0.754693) {
      const cdf = durbinMatrixCdf(n, d);
      return pick(cdf, 1 - cdf);
    }
    if (nd2 <= 4) {
      const cdf = pomeranzCdf(n, d);
      return pick(cdf, 1 - cdf);
    }
    const sf = 2 * smirnovSf(n, d);
    return pick(1 - sf, sf);
  }
  if (!wantCdf) {
    if (nd2 >= 370) return 0;
    if (nd2 >= 2.2) return 2 * smirnovSf(n, d);
  }
  let cdf: number;
  if (nd2 >= 18) cdf = 1;
  else if (n <= 100000 && n * Math.pow(d, 1.5) <= 1.4) cdf = durbinMatrixCdf(n, d);
  else cdf = pelzGoodCdf(n, d);
  return pick(cdf, 1 - cdf);
}

function clip(p: number): number {
  return Number.isNaN(p) ? p : Math.min(1, Math.max(0, p));
}

/** log(n!/nⁿ), exact summation for moderate n, Stirling's series beyond. */
function logFactorialOverPower(n: number): number {
  if (n <= 1000) {
    let s = 0;
    for (let i = 1; i <= n; i++) s += Math.log(i / n);
    return s;
  }
  // log n! − n log n = ½ log(2πn) − n + 1/(12n) − 1/(360n³) + 1/(1260n⁵)
  const r = 1 / n;
  return 0.5 * Math.log(2 * Math.PI * n) - n + r * (1 / 12 - r * r * (1 / 360 - (r * r) / 1260));
}

/**
 * One-sided tail P(D_n⁺ ≥ d) (scipy's `smirnov(n, d)`), by the Birnbaum–Tingey sum
 *   P(D_n⁺ ≥ d) = d Σ_{v=0}^{⌊n(1−d)⌋} C(n, v) (d + v/n)^{v−1} (1 − d − v/n)^{n−v},
 * whose terms are all positive; each is formed in log space and the sum by log-sum-exp, so the
 * result keeps its relative accuracy down to the smallest doubles.
 */
export function smirnovSf(n: number, d: number): number {
  if (!Number.isInteger(n) || n <= 0 || !(d >= 0 && d <= 1)) return NaN;
  if (n === 1) return 1 - d;
  if (d === 0) return 1;
  if (d === 1) return 0;
  // n·d = whole + frac exactly (Dekker's product), so 1 − d − v/n = (n − v − whole − frac)/n
  // keeps full relative precision even when it is tiny.
  const [hi, lo] = twoProduct(n, d);
  let whole = Math.floor(hi);
  let frac = hi - whole + lo;
  if (frac >= 1) {
    whole += 1;
    frac -= 1;
  } else if (frac < 0) {
    whole -= 1;
    frac += 1;
  }
  if (whole === 0 || (whole === 1 && frac === 0)) {
    // d ≤ 1/n: P(D_n⁺ < d) = d (1 + d)^{n−1}.
    return 1 - d * Math.pow(1 + d, n - 1);
  }
  if (-2 * n * d * d < MIN_LOG - 38) return 0;
  if (whole >= n - 1) return Math.pow(1 - d, n);
  const logN = Math.log(n);
  let logBinomial = 0; // log C(n, v)
  const logTerms: number[] = [];
  let maxLog = -Infinity;
  for (let v = 0; ; v++) {
    const upper = n - v - whole - frac; // n (1 − d − v/n)
    if (upper <= 0) break;
    const lower = v + whole + frac; // n (d + v/n)
    const logTerm =
      logBinomial + (n - v) * (Math.log(upper) - logN) + (v - 1) * (Math.log(lower) - logN);
    logTerms.push(logTerm);
    if (logTerm > maxLog) maxLog = logTerm;
    // Past the peak the terms fall geometrically; stop once they no longer matter.
    if (logTerm < maxLog - 40 && v > n / 2) break;
    logBinomial += Math.log((n - v) / (v + 1));
  }
  let sum = 0;
  for (const l of logTerms) sum += Math.exp(l - maxLog);
  return Math.exp(Math.log(d) + maxLog + Math.log(sum));
}

/** Dekker's exact product: a·b = hi + lo. */
function twoProduct(a: number, b: number): [number, number] {
  const hi = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const lo = ah * bh - hi + ah * bl + al * bh + al * bl;
  return [hi, lo];
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const h = c - (c - a);
  return [h, a - h];
}

const SCALE_EXPONENT = 128;
const BIG = 2 ** SCALE_EXPONENT;
const SMALL = 2 ** -SCALE_EXPONENT;

/**
 * P(D_n ≤ d) by Durbin's matrix formula, n!/nⁿ (Hⁿ)_{kk}, with H the (2k−1)×(2k−1) matrix of
 * Marsaglia, Tsang & Wang (2003), d = (k − h)/n, 0 ≤ h < 1; powers by repeated squaring with an
 * explicit binary exponent to avoid overflow. O(k³ log n).
 */
export function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  // v[j] = (1 − h^{j+1})/(j+1)!, w[j] = 1/j!
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - Math.pow(h, j)) * factorial;
  }
  v[m - 1] = (1 + Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m)) * factorial;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let power: Float64Array = identity(m);
  let base: Float64Array = H;
  let exponent = 0;
  let baseExponent = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      power = matmul(power, base, m, m, m);
      exponent += baseExponent;
    }
    base = matmul(base, base, m, m, m);
    baseExponent *= 2;
    if (Math.abs(base[(k - 1) * m + (k - 1)]) > BIG) {
      for (let i = 0; i < base.length; i++) base[i] *= SMALL;
      baseExponent += SCALE_EXPONENT;
    }
  }
  let p = power[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SMALL) {
      p *= BIG;
      exponent -= SCALE_EXPONENT;
    }
  }
  return p * Math.pow(2, exponent);
}

/**
 * P(D_n ≤ d) by Pomeranz's (1974) recursion: 2n + 1 rows, each the convolution of the previous
 * row with (almost) Poisson weights; the answer is n! times the last entry. Rows are rescaled by
 * powers of two to avoid underflow. Used for n ≤ 140.
 */
export function pomeranzCdf(n: number, d: number): number {
  const t = n * d;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilF = f > 0 ? 1 : 0;
  const roundF = f > 0.5 ? 1 : 0;
  const width = 2 * (ll + 1);
  // (g/n)^m/m!, (2g/n)^m/m!, ((1 − 2g)/n)^m/m!
  const gPower = new Float64Array(width);
  const twoGPower = new Float64Array(width);
  const oneMinusTwoGPower = new Float64Array(width);
  gPower[0] = twoGPower[0] = oneMinusTwoGPower[0] = 1;
  for (let m = 1; m < width; m++) {
    gPower[m] = (gPower[m - 1] * (g / n)) / m;
    twoGPower[m] = (twoGPower[m - 1] * ((2 * g) / n)) / m;
    oneMinusTwoGPower[m] = (oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / n)) / m;
  }
  let previous = new Float64Array(width);
  let current = new Float64Array(width);
  current[0] = 1;
  let previousStart = 0;
  let currentStart = 0;
  let exponent = 0;
  let [j1] = pomeranzBounds(0, n, ll, ceilF, roundF);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [previous, current] = [current, previous];
    [previousStart, currentStart] = [currentStart, previousStart];
    current.fill(0);
    let j2: number;
    [j1, j2] = pomeranzBounds(i, n, ll, ceilF, roundF);
    const weights =
      i === 1 || i === 2 * n + 1 ? gPower : i % 2 === 1 ? twoGPower : oneMinusTwoGPower;
    const length = j2 - k1 + 1;
    if (length > 0) {
      // current[j − j1] = Σ_{l} previous[k1 + l − previousStart] · weights[j − k1 − l]
      const offset = k1 - previousStart;
      let max = 0;
      for (let j = j1; j <= j2; j++) {
        const r = j - k1;
        let s = 0;
        for (let l = 0; l <= r && l < length && offset + l < width; l++)
          s += previous[offset + l] * weights[r - l];
        current[j - j1] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < SMALL) {
        for (let j = 0; j < width; j++) current[j] *= BIG;
        exponent -= SCALE_EXPONENT;
      }
      currentStart = previousStart + j1 - k1;
    }
  }
  let answer = current[n - currentStart];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > BIG) {
      answer *= SMALL;
      exponent += SCALE_EXPONENT;
    }
    answer *= m;
  }
  return answer * Math.pow(2, exponent);
}

/** The range of non-zero entries of row i in Pomeranz's recursion. */
function pomeranzBounds(
  i: number,
  n: number,
  ll: number,
  ceilF: number,
  roundF: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilF - 1;
    j2 = ll + ceilF - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilF - 1;
        j2 = n + ll + ceilF - 1;
      } else {
        j1 = half - 1 - ll - roundF - 1;
        j2 = half + ll - 1 + ceilF - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundF - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * Pelz & Good (1976): P(D_n ≤ d) ≈ K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}, z = d√n, with the
 * Li-Chien/Korolyuk terms rewritten through Jacobi's theta transformation so that the series in
 * q = exp(−π²/(8z²)) converge fast for small z.
 */
export function pelzGoodCdf(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const z = Math.sqrt(n) * d;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qLog = -(Math.PI * Math.PI) / 8 / z2;
  if (qLog < MIN_LOG) return 0;
  const q = Math.exp(qLog);
  const pi2 = Math.PI * Math.PI;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;
  const k1a = -z2;
  const k1b = pi2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * pi2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (pi2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  const K = [0, 0, 0, 0];
  // Σ_k c_k q^{(2k−1)²} by Horner's scheme in q⁸ᵏ, over odd m = 2k − 1.
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = Math.pow(q, 8 * k);
    K[0] = K[0] * qPower + 1;
    K[1] = K[1] * qPower + (k1a + k1b * m2);
    K[2] = K[2] * qPower + (k2a + k2b * m2 + k2c * m4);
    K[3] = K[3] * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const sqrt2Pi = Math.sqrt(2 * Math.PI);
  const divisors = [z, 6 * z4, 72 * z6 * z, 6480 * z6 * z4];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * sqrt2Pi) / divisors[i];
  // The remaining sums over all integers k: K₂ gets π²k² q'^{k²}, K₃ (3π²k²z² − π⁴k⁴) q'^{k²}.
  const qPrime = Math.exp(-pi2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2Extra = 0;
  let k3Extra = 0;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const qk = Math.pow(qPrime, k2);
    const kPi = Math.PI * k;
    k2Extra += k2 * qk;
    k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qk;
  }
  K[2] += (k2Extra * pi2 * sqrt2Pi) / (-36 * z3);
  K[3] += (k3Extra * pi2 * sqrt2Pi) / (216 * z6);
  return K[0] + K[1] / Math.sqrt(n) + K[2] / n + K[3] / Math.pow(n, 1.5);
}
