import { tf } from '../tf';
import { besselIRatio } from '../special/bessel';
import { logGamma } from '../../shared/maths/special/gamma';
import { cramerWoldPhi } from '../special/hypergeometric';
import { float64Op } from '../latent/float64-op';

/**
 * φ_D(s) = 1F1(½; D/2; −s) as a differentiable float32 tensor op, for every D ≥ 1.
 *
 * The float64 function (special/hypergeometric.ts) is exact but scalar; the Cramér-Wold kernel
 * needs it on n² pairs per step with gradients. So per D we tabulate, once, the smooth ratio
 *   r(s) = φ_D(s)·√(1 + 4s/(2D − 3))
 * (the factor is the CWAE paper's large-D approximation, so r varies slowly: r(0) = 1,
 * r(∞) = L = Γ(D/2)/Γ((D−1)/2)·2/√(2D − 3), and r = L(1 + 3/(8s) + O(s⁻²)) for large s) on the
 * compact variable u = s/(s + c) ∈ [0, 1], c = D, at N + 1 equally spaced nodes with its
 * derivative, and evaluate a cubic Hermite interpolant per element in float64 (a float64Op: the
 * forward reads s, the backward uses the interpolant's own derivative, so value and gradient
 * agree). Relative accuracy ≈ 1e-9 before the float32 rounding, for all s ≥ 0.
 * D = 1 is exactly e^{−s}.
 */

const INTERVALS = 1024;

interface PhiTable {
  c: number;
  /** The factor is √(1 + scale·s), scale = 4/(2D − 3). */
  scale: number;
  /** Node values r_i and derivatives h·dr/du, i = 0..N. */
  values: Float64Array;
  slopes: Float64Array;
}

const tables = new Map<number, PhiTable>();

/** dφ_D/ds in float64 (DLMF 13.3.20, 13.3.15, 10.29.2). */
function phiDerivative(d: number, s: number): number {
  if (d === 2) {
    // φ_2(s) = e^{−s/2} I_0(s/2)  ⇒  φ_2' = −½ φ_2 (1 − I_1(s/2)/I_0(s/2)).
    return -0.5 * cramerWoldPhi(2, s) * (1 - besselIRatio(0, s / 2));
  }
  if (s < 0.5) {
    // d/ds Σ_k (½)_k/(D/2)_k (−s)^k/k!, alternating with shrinking terms for s < 1/2.
    let coefficient = 1;
    let sum = 0;
    for (let k = 1; k < 60; k++) {
      coefficient *= (0.5 + k - 1) / ((d / 2 + k - 1) * k); // (½)_k/((D/2)_k k!)
      const term = coefficient * k * (-1) ** k * s ** (k - 1);
      sum += term;
      if (Math.abs(term) < 1e-18) break;
    }
    return sum;
  }
  // M'(a, b, z) = (b − 1)/z (M(a, b − 1, z) − M(a, b, z)) at z = −s.
  return ((d / 2 - 1) / s) * (cramerWoldPhi(d - 2, s) - cramerWoldPhi(d, s));
}

function buildTable(d: number): PhiTable {
  const c = d;
  const scale = 4 / (2 * d - 3);
  const limit = Math.exp(logGamma(d / 2) - logGamma((d - 1) / 2)) * 2 * Math.sqrt(1 / (2 * d - 3));
  const h = 1 / INTERVALS;
  const values = new Float64Array(INTERVALS + 1);
  const slopes = new Float64Array(INTERVALS + 1);
  for (let i = 0; i < INTERVALS; i++) {
    const u = i * h;
    const s = (c * u) / (1 - u);
    const g = Math.sqrt(1 + scale * s);
    const phi = cramerWoldPhi(d, s);
    const drds = phiDerivative(d, s) * g + (phi * scale) / (2 * g);
    values[i] = phi * g;
    slopes[i] = h * drds * (c / ((1 - u) * (1 - u)));
  }
  // u = 1 (s = ∞): r = L and, from r ≈ L(1 + 3/(8s)) with 1/s = (1 − u)/(cu), dr/du = −3L/(8c).
  values[INTERVALS] = limit;
  slopes[INTERVALS] = h * ((-3 * limit) / (8 * c));
  return { c, scale, values, slopes };
}

function tableFor(d: number): PhiTable {
  let table = tables.get(d);
  if (!table) tables.set(d, (table = buildTable(d)));
  return table;
}

/** φ_D(s) from the table (float64 arithmetic), and its derivative when `derivative` is set. */
function interpolate(table: PhiTable, s: number, derivative: boolean): number {
  const { c, scale, values, slopes } = table;
  const x = Math.max(s, 0);
  const position = (x / (x + c)) * INTERVALS;
  const i = Math.min(Math.floor(position), INTERVALS - 1);
  const t = position - i;
  const [r0, r1, m0, m1] = [values[i], values[i + 1], slopes[i], slopes[i + 1]];
  const t2 = t * t;
  const t3 = t2 * t;
  const r =
    (2 * t3 - 3 * t2 + 1) * r0 + (t3 - 2 * t2 + t) * m0 + (3 * t2 - 2 * t3) * r1 + (t3 - t2) * m1;
  const g = Math.sqrt(1 + scale * x);
  if (!derivative) return r / g;
  if (s < 0) return 0;
  const drdt =
    (6 * t2 - 6 * t) * r0 +
    (3 * t2 - 4 * t + 1) * m0 +
    (6 * t - 6 * t2) * r1 +
    (3 * t2 - 2 * t) * m1;
  const dtds = (INTERVALS * c) / ((x + c) * (x + c));
  return (drdt * dtds) / g - (r * scale) / (2 * g * g * g);
}

const ops = new Map<number, (x: tf.Tensor) => tf.Tensor>();

/** φ_D(s) elementwise for s ≥ 0 (negative s is treated as 0), differentiable in s. */
export function cramerWoldPhiTensor<T extends tf.Tensor>(d: number, s: T): T {
  if (!(d >= 1) || !Number.isInteger(d)) throw new Error(`φ_D needs an integer D ≥ 1, got ${d}`);
  if (d === 1) return tf.tidy(() => tf.exp(tf.neg(tf.relu(s)))) as T;
  let op = ops.get(d);
  if (!op) {
    const table = tableFor(d);
    op = float64Op(
      (x) => interpolate(table, x, false),
      (x) => interpolate(table, x, true),
    );
    ops.set(d, op);
  }
  return op(s) as T;
}
