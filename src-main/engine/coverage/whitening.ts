// A whitening map W with Wᵀ W = S⁻¹, so that y_i = W (x_i − x̄) has identity covariance and
// y_iᵀ y_j = (x_i − x̄)ᵀ S⁻¹ (x_j − x̄) — the m_ij of Mardia (1970). W = L⁻¹ D^{−½} with D the
// diagonal of S and L Lᵀ the Cholesky factor of the correlation matrix D^{−½} S D^{−½}; working
// on the correlation matrix makes the singularity test scale-free: S counts as singular when a
// variance is zero (up to rounding) or a squared Cholesky pivot of the correlation matrix falls below 1e−12
// (a condition number beyond ~1e12, where float64 whitening has lost all digits — and where a
// float32 matrix with an exact linear dependency lands).
import { cholesky } from '../../shared/maths/linalg';
import type { KernelContext } from './kernels/gram-kernels';
import { copyRows, roundUp, type Latents } from './latents';

const PIVOT_TOLERANCE = 1e-12;

export type Whitening = { matrix: Float64Array; reason?: undefined } | { reason: string };

/** W (d×d, lower triangular, row-major) or why none exists. */
export function whiteningMatrix(
  covariance: Float64Array,
  d: number,
  mean?: Float64Array,
): Whitening {
  const scale = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const variance = covariance[k * d + k];
    // A constant column still shows a variance of rounding size, ~(ε·|mean|)².
    const rounding = mean ? (1e-13 * mean[k]) ** 2 : 0;
    if (!(variance > rounding) || !Number.isFinite(variance)) {
      return {
        reason: `dimension ${k} has ${Number.isFinite(variance) ? 'zero' : 'non-finite'} variance: the covariance is singular`,
      };
    }
    scale[k] = 1 / Math.sqrt(variance);
  }
  // Cholesky of the correlation matrix R = L Lᵀ.
  const correlation = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++)
      correlation[i * d + j] = covariance[i * d + j] * scale[i] * scale[j];
  }
  const { factor: L, pivot, value } = cholesky(correlation, d, PIVOT_TOLERANCE);
  if (!L) {
    return {
      reason: `the covariance is singular or nearly so (dimension ${pivot} is a linear combination of the others up to a relative residual variance of ${value.toPrecision(2)})`,
    };
  }
  // W = L⁻¹ D^{−½} by forward substitution, column by column (ml-matrix has no triangular solve;
  // its general LU/QR solvers would ignore that L is triangular).
  const W = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * d + k] * W[k * d + c];
      W[i * d + c] = s / L[i * d + i];
    }
  }
  for (let i = 0; i < d; i++) for (let c = 0; c < d; c++) W[i * d + c] *= scale[c];
  return { matrix: W };
}

/**
 * Whitens rows [from, from + rows) of x into `target` (byte address) column-major:
 * y[c][i] at target + (c·blockRows + i)·8, for c < d; rows beyond `rows` are left zero.
 * `weights` is W copied into the workspace as rows of roundUp(d, 2) doubles, padded to
 * roundUp(d, 4) rows.
 */
export function whitenBlock(
  context: KernelContext,
  x: Latents,
  mean: Float64Array,
  weights: number,
  from: number,
  rows: number,
  blockRows: number,
  target: number,
): void {
  const { d } = x;
  const dk = roundUp(d, 2);
  const dp = roundUp(d, 4);
  const mark = context.workspace.mark();
  const centred = copyRows(context, x, from, rows, dk, mean, blockRows);
  context.workspace.f64.fill(0, target / 8, target / 8 + dp * blockRows);
  context.kernels.gram(
    weights,
    dp,
    centred,
    blockRows,
    dk,
    dk * 8,
    target,
    blockRows * 8,
    8,
    false,
    0,
  );
  context.workspace.release(mark);
}

/** Copies W into the workspace in the layout `whitenBlock` expects. */
export function loadWeights(context: KernelContext, W: Float64Array, d: number): number {
  const dk = roundUp(d, 2);
  const dp = roundUp(d, 4);
  const address = context.workspace.alloc(dp * dk);
  const memory = context.workspace.f64;
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) memory[address / 8 + i * dk + k] = W[i * d + k];
  return address;
}
