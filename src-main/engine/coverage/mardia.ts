// Mardia's (1970) multivariate skewness and kurtosis, with the covariance S taken with divisor n
// and m_ij = (x_i − x̄)ᵀ S⁻¹ (x_j − x̄):
//   b1 = (1/n²) Σ_ij m_ij³,  n·b1/6 ~ χ² with d(d+1)(d+2)/6 degrees of freedom;
//   b2 = (1/n)  Σ_i m_ii²,   z = (b2 − d(d+2)) / √(8d(d+2)/n) ~ N(0, 1), two-sided.
// With y_i the whitened rows, m_ij = y_i·y_j, and b1 equals the squared Frobenius norm of the
// third-moment tensor T = (1/n) Σ_i y_i ⊗ y_i ⊗ y_i. The tensor costs n·d³/6 multiply-adds (its
// d(d+1)(d+2)/6 distinct entries), the double sum n²·d/2: the cheaper one is used.
import { normalTwoSidedP } from '../../shared/maths/special/normal';
import { chiSquareSf } from '../../shared/maths/special/chi';
import type { KernelContext } from './kernels/gram-kernels';
import { roundUp, type Latents } from './latents';
import { BLOCK_ROWS, type Moments } from './moments';
import { loadWeights, whiteningMatrix, whitenBlock } from './whitening';

export interface MardiaSkewness {
  b1: number;
  statistic: number;
  df: number;
  p: number;
}

export interface MardiaKurtosis {
  b2: number;
  z: number;
  p: number;
}

export interface MardiaFigures {
  skewness: MardiaSkewness | null;
  kurtosis: MardiaKurtosis | null;
  /** Which evaluation of b1 was used. */
  method?: 'third-moment-tensor' | 'pairwise';
  /** Why the figures are null. */
  reason?: string;
}

export interface MardiaOptions {
  /** Multiply-adds allowed for b1 before it is reported as too expensive. Default 4e11. */
  maxWork?: number;
  /** Doubles allowed for the third-moment tensor per pass. Default 4M (32 MB). */
  maxTensorDoubles?: number;
  /** Force one evaluation of b1 (tests). */
  method?: 'third-moment-tensor' | 'pairwise';
}

export function mardia(
  x: Latents,
  moments: Moments,
  context: KernelContext,
  options: MardiaOptions = {},
): MardiaFigures {
  const { n, d } = x;
  if (n <= d) {
    return {
      skewness: null,
      kurtosis: null,
      reason: `n = ${n} ≤ d = ${d}: the sample covariance is singular`,
    };
  }
  const whitening = whiteningMatrix(moments.covariance, d, moments.mean);
  if (whitening.reason !== undefined) {
    return { skewness: null, kurtosis: null, reason: whitening.reason };
  }
  const tensorWork = (n * d * (d + 1) * (d + 2)) / 6;
  const pairWork = (n * n * d) / 2;
  const method = options.method ?? (tensorWork <= pairWork ? 'third-moment-tensor' : 'pairwise');
  const work = method === 'pairwise' ? pairWork : tensorWork;
  const mark = context.workspace.mark();
  const weights = loadWeights(context, whitening.matrix, d);
  const { sumSquaredNorms, b1 } =
    work > (options.maxWork ?? 4e11)
      ? { sumSquaredNorms: secondPass(x, moments, weights, context), b1: NaN }
      : method === 'pairwise'
        ? pairwiseSkewness(x, moments, weights, context)
        : tensorSkewness(x, moments, weights, context, options.maxTensorDoubles ?? 4_000_000);
  context.workspace.release(mark);

  const b2 = sumSquaredNorms / n;
  const z = (b2 - d * (d + 2)) / Math.sqrt((8 * d * (d + 2)) / n);
  const kurtosis = { b2, z, p: normalTwoSidedP(z) };
  if (Number.isNaN(b1)) {
    return {
      skewness: null,
      kurtosis,
      reason: `skewness needs ${work.toExponential(1)} multiply-adds, above the limit`,
    };
  }
  const df = (d * (d + 1) * (d + 2)) / 6;
  const statistic = (n * b1) / 6;
  return { skewness: { b1, statistic, df, p: chiSquareSf(statistic, df) }, kurtosis, method };
}

/** Σ_i ‖y_i‖⁴ only. */
function secondPass(x: Latents, moments: Moments, weights: number, context: KernelContext) {
  const dp = roundUp(x.d, 4);
  const block = context.workspace.alloc((dp + 4) * BLOCK_ROWS);
  let sum = 0;
  for (let from = 0; from < x.n; from += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, x.n - from);
    whitenBlock(context, x, moments.mean, weights, from, rows, BLOCK_ROWS, block);
    sum += sumOfSquaredNorms(context.workspace.f64, block / 8, x.d, rows);
  }
  return sum;
}

/** Σ_i (Σ_c y[c][i]²)² over the first `rows` columns of a column-major block. */
function sumOfSquaredNorms(memory: Float64Array, base: number, d: number, rows: number): number {
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let c = 0; c < d; c++) norm += memory[base + c * BLOCK_ROWS + i] ** 2;
    sum += norm * norm;
  }
  return sum;
}

/**
 * b1 = Σ_{a≤b≤c} mult(a,b,c) T_abc², T accumulated block by block: for each a, the columns
 * y_a ∘ y_b (b ≥ a) are formed and multiplied against y_c (c ≥ b) by the Gram kernel.
 * The a-range is split into passes when the tensor would exceed `maxTensorDoubles`.
 */
function tensorSkewness(
  x: Latents,
  moments: Moments,
  weights: number,
  context: KernelContext,
  maxTensorDoubles: number,
) {
  const { n, d } = x;
  const dp = roundUp(d, 4);
  const slices = Math.max(1, Math.min(d, Math.floor(maxTensorDoubles / (dp * dp))));
  const stride = BLOCK_ROWS * 8;
  const block = context.workspace.alloc((dp + 4) * BLOCK_ROWS);
  const products = context.workspace.alloc((dp + 4) * BLOCK_ROWS);
  const tensor = context.workspace.alloc(slices * dp * dp);
  let sumSquaredNorms = 0;
  let b1 = 0;
  for (let a0 = 0; a0 < d; a0 += slices) {
    const a1 = Math.min(d, a0 + slices);
    context.workspace.f64.fill(0, tensor / 8, tensor / 8 + slices * dp * dp);
    for (let from = 0; from < n; from += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, n - from);
      whitenBlock(context, x, moments.mean, weights, from, rows, BLOCK_ROWS, block);
      if (a0 === 0) sumSquaredNorms += sumOfSquaredNorms(context.workspace.f64, block / 8, d, rows);
      for (let a = a0; a < a1; a++) {
        const count = roundUp(dp - a, 2);
        // products[j] = y_a ∘ y_{a+j}
        context.kernels.hadamard(
          products,
          block + a * stride,
          block + a * stride,
          count,
          BLOCK_ROWS,
          stride,
        );
        const c0 = a - (a % 4);
        // T[a][a + j][c0 + k] += Σ_i products[j][i] y[c0 + k][i], tiles with some c ≥ b only
        const slice = tensor + ((a - a0) * dp * dp + a * dp + c0) * 8;
        context.kernels.gram(
          products,
          count,
          block + c0 * stride,
          dp - c0,
          BLOCK_ROWS,
          stride,
          slice,
          dp * 8,
          8,
          true,
          a - c0,
        );
      }
    }
    const memory = context.workspace.f64;
    for (let a = a0; a < a1; a++)
      for (let b = a; b < d; b++) {
        const row = tensor / 8 + (a - a0) * dp * dp + b * dp;
        for (let c = b; c < d; c++) {
          const t = memory[row + c] / n;
          const multiplicity = a === b ? (b === c ? 1 : 3) : b === c ? 3 : 6;
          b1 += multiplicity * t * t;
        }
      }
  }
  return { sumSquaredNorms, b1 };
}

/** b1 = (1/n²) Σ_ij (y_i·y_j)³ over blocks of rows, with the whitened rows kept row-major. */
function pairwiseSkewness(x: Latents, moments: Moments, weights: number, context: KernelContext) {
  const { n, d } = x;
  const dp = roundUp(d, 4);
  const blocks = Math.ceil(n / BLOCK_ROWS);
  const rowsAddress = context.workspace.alloc(blocks * BLOCK_ROWS * dp);
  const block = context.workspace.alloc((dp + 4) * BLOCK_ROWS);
  const gram = context.workspace.alloc(BLOCK_ROWS * BLOCK_ROWS);
  let sumSquaredNorms = 0;
  for (let from = 0; from < n; from += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, n - from);
    whitenBlock(context, x, moments.mean, weights, from, rows, BLOCK_ROWS, block);
    const memory = context.workspace.f64;
    sumSquaredNorms += sumOfSquaredNorms(memory, block / 8, d, rows);
    for (let i = 0; i < rows; i++)
      for (let c = 0; c < d; c++) {
        memory[rowsAddress / 8 + (from + i) * dp + c] = memory[block / 8 + c * BLOCK_ROWS + i];
      }
  }
  let sum = 0;
  const stride = dp * 8;
  for (let I = 0; I < blocks; I++)
    for (let J = I; J < blocks; J++) {
      context.workspace.f64.fill(0, gram / 8, gram / 8 + BLOCK_ROWS * BLOCK_ROWS);
      const a = rowsAddress + I * BLOCK_ROWS * stride;
      const b = rowsAddress + J * BLOCK_ROWS * stride;
      context.kernels.gram(
        a,
        BLOCK_ROWS,
        b,
        BLOCK_ROWS,
        dp,
        stride,
        gram,
        BLOCK_ROWS * 8,
        8,
        false,
        0,
      );
      const memory = context.workspace.f64;
      let s = 0;
      for (let k = gram / 8; k < gram / 8 + BLOCK_ROWS * BLOCK_ROWS; k++) s += memory[k] ** 3;
      sum += I === J ? s : 2 * s;
    }
  return { sumSquaredNorms, b1: sum / (n * n) };
}
