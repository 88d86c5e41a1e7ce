// φ_D(s) = ₁F₁(½; D/2; −s), Kummer's confluent hypergeometric function at a negative argument:
// the kernel of the Cramér–Wold distance (Tabor et al. 2018, "Cramer-Wold AutoEncoder", eq. for
// the smoothed sliced distance), where D is the latent dimension and s = ‖x − y‖²/(4γ).
//
// φ_D(s) = E[exp(−s·T)] with T ~ Beta(½, (D−1)/2) (the squared first coordinate of a uniform
// point on S^{D−1}), so 0 < φ_D(s) ≤ 1 and φ_D decreases from 1 at s = 0 like
// Γ(D/2)/Γ((D−1)/2)·s^{−½} for large s. The CWAE reference code replaces it by
// (1 + 4s/(2D − 3))^{−½}, valid only for D ≥ 20; here it is evaluated to near machine precision
// for every D ≥ 1 and s ≥ 0 by one of two convergent expansions:
//   - Kummer's transformation ₁F₁(a; b; −s) = e^{−s} ₁F₁(b − a; b; s), whose series has positive
//     terms only (no cancellation), summed with a running rescaling so that e^{s} never
//     overflows (DLMF 13.2.39);
//   - for large s, the algebraic asymptotic expansion (DLMF 13.7.2)
//       ₁F₁(a; b; −s) ~ Γ(b)/Γ(b − a) s^{−a} Σ_k (a)_k (a − b + 1)_k / (k! s^k),
//     whose neglected exponential part is O(e^{−s}); used only where s ≥ 40 and the series has
//     converged before its terms start to grow (it terminates for odd D).
import { logGamma } from '../../shared/maths/special/gamma';

const EPSILON = 1e-17;
const ASYMPTOTIC_MIN_S = 40;

/** φ_D(s) = ₁F₁(½; D/2; −s) for D ≥ 1 and s ≥ 0, evaluated directly. */
export function cramerWoldPhi(d: number, s: number): number {
  return direct(d, d === 1 ? 0 : gammaRatio(d))(s);
}

/** Γ(D/2)/Γ((D−1)/2), the constant of the large-s expansion. */
function gammaRatio(d: number): number {
  return Math.exp(logGamma(d / 2) - logGamma((d - 1) / 2));
}

function direct(d: number, ratio: number): (s: number) => number {
  const b = d / 2;
  return (s: number) => {
    if (!(s >= 0) || !(d >= 1)) return NaN;
    if (s === 0) return 1;
    if (d === 1) return Math.exp(-s); // ₁F₁(½; ½; −s) = e^{−s}
    if (s === Infinity) return 0;
    if (s >= ASYMPTOTIC_MIN_S) {
      const sum = asymptoticSum(b, s);
      if (sum !== undefined) return (ratio * sum) / Math.sqrt(s);
    }
    return kummerSeries(d, s);
  };
}

// For the O(n²) sums of the Cramér–Wold distance: below s = max(40, 1.5·D), where the direct
// evaluation needs up to hundreds of series terms, φ_D is interpolated piecewise on intervals of
// width 2 by Chebyshev polynomials of degree 16 through exact values. Since
// |φ_D^{(k)}(s)| = E[T^k e^{−sT}] ≤ 1, the interpolation error is at most
// 2·(1/2)^{17}/17! ≈ 4e−20 (the interpolation error bound at 17 Chebyshev nodes on a half-width-1
// interval),
// far below double rounding.
const TABLE_WIDTH = 2;
const TABLE_DEGREE = 16;
const tables = new Map<number, { limit: number; coefficients: Float64Array }>();

/** s ↦ φ_D(s) for a fixed D: interpolated below max(40, 1.5·D), direct above. */
export function cramerWoldPhiOf(d: number): (s: number) => number {
  if (!(d >= 1)) return () => NaN;
  if (d === 1) return (s) => (s >= 0 ? Math.exp(-s) : NaN);
  const exact = direct(d, gammaRatio(d));
  let table = tables.get(d);
  if (!table) {
    table = chebyshevTable(exact, Math.ceil(Math.max(40, 1.5 * d) / TABLE_WIDTH) * TABLE_WIDTH);
    if (tables.size > 64) tables.clear();
    tables.set(d, table);
  }
  const { limit, coefficients } = table;
  const N = TABLE_DEGREE + 1;
  return (s: number) => {
    if (!(s >= 0) || s >= limit) return exact(s);
    const interval = Math.floor(s / TABLE_WIDTH);
    const t = (s - interval * TABLE_WIDTH) * (2 / TABLE_WIDTH) - 1;
    // Clenshaw's recurrence for Σ_j c_j T_j(t) − c_0/2
    const base = interval * N;
    let b1 = 0;
    let b2 = 0;
    for (let j = N - 1; j >= 1; j--) {
      const b0 = 2 * t * b1 - b2 + coefficients[base + j];
      b2 = b1;
      b1 = b0;
    }
    return t * b1 - b2 + 0.5 * coefficients[base];
  };
}

function chebyshevTable(f: (s: number) => number, limit: number) {
  const N = TABLE_DEGREE + 1;
  const intervals = limit / TABLE_WIDTH;
  const coefficients = new Float64Array(intervals * N);
  const values = new Float64Array(N);
  for (let i = 0; i < intervals; i++) {
    const mid = (i + 0.5) * TABLE_WIDTH;
    for (let k = 0; k < N; k++)
      values[k] = f(mid + (TABLE_WIDTH / 2) * Math.cos((Math.PI * (k + 0.5)) / N));
    for (let j = 0; j < N; j++) {
      let c = 0;
      for (let k = 0; k < N; k++) c += values[k] * Math.cos((Math.PI * j * (k + 0.5)) / N);
      coefficients[i * N + j] = (2 / N) * c;
    }
  }
  return { limit, coefficients };
}

/** Σ_k (½)_k (3/2 − D/2)_k / (k! s^k), or undefined if it diverges before converging. */
function asymptoticSum(b: number, s: number): number | undefined {
  let term = 1;
  let sum = 1;
  let converged = false;
  for (let k = 0; k < 500 && !converged; k++) {
    const next = (term * (0.5 + k) * (1.5 - b + k)) / ((k + 1) * s);
    if (Math.abs(next) >= Math.abs(term)) return undefined; // diverging before convergence
    sum += next;
    term = next;
    // Odd D: the series terminates (next = 0).
    converged = Math.abs(term) < EPSILON * Math.abs(sum);
  }
  return converged ? sum : undefined;
}

/** e^{−s} Σ_k ((D−1)/2)_k / (D/2)_k · s^k/k!, summed with rescaling. */
function kummerSeries(d: number, s: number): number {
  const a = (d - 1) / 2;
  const b = d / 2;
  let term = 1;
  let sum = 1;
  let logScale = 0;
  for (let k = 0; k < 1e7; k++) {
    term *= ((a + k) / (b + k)) * (s / (k + 1));
    sum += term;
    if (sum > 1e280) {
      term *= 1e-280;
      sum *= 1e-280;
      logScale += 280 * Math.LN10;
    }
    if (k > s && term < EPSILON * sum) break;
  }
  return Math.exp(Math.log(sum) + logScale - s);
}
