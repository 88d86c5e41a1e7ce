// Sample mean and covariance (divisor n, as Mardia 1970 defines them), two-pass: the mean first,
// then Σ_i (x_i − x̄)(x_i − x̄)ᵀ accumulated by the Gram kernel over column-major row blocks.
import type { KernelContext } from './kernels/gram-kernels';
import { roundUp, type Latents } from './latents';

export const BLOCK_ROWS = 256;

export interface Moments {
  mean: Float64Array;
  /** d×d, row-major, divisor n. */
  covariance: Float64Array;
}

export function columnMeans(x: Latents): Float64Array {
  const { data, n, d } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += data[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= n;
  return mean;
}

export function meanAndCovariance(x: Latents, context: KernelContext): Moments {
  const { data, n, d } = x;
  const mean = columnMeans(x);
  const dp = roundUp(d, 4);
  const mark = context.workspace.mark();
  const sums = context.workspace.alloc(dp * dp);
  const block = context.workspace.alloc(dp * BLOCK_ROWS);
  for (let from = 0; from < n; from += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, n - from);
    const memory = context.workspace.f64;
    const base = block / 8;
    if (rows < BLOCK_ROWS) memory.fill(0, base, base + dp * BLOCK_ROWS);
    for (let i = 0; i < rows; i++) {
      const source = (from + i) * d;
      for (let k = 0; k < d; k++) memory[base + k * BLOCK_ROWS + i] = data[source + k] - mean[k];
    }
    // sums[j][k] += Σ_i Xc[j][i] Xc[k][i] for k ≥ j
    context.kernels.gram(
      block,
      dp,
      block,
      dp,
      BLOCK_ROWS,
      BLOCK_ROWS * 8,
      sums,
      dp * 8,
      8,
      true,
      0,
    );
  }
  const memory = context.workspace.f64;
  const covariance = new Float64Array(d * d);
  for (let j = 0; j < d; j++)
    for (let k = j; k < d; k++) {
      const value = memory[sums / 8 + j * dp + k] / n;
      covariance[j * d + k] = value;
      covariance[k * d + j] = value;
    }
  context.workspace.release(mark);
  return { mean, covariance };
}
