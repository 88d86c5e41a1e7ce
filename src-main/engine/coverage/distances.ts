// Squared Euclidean distances between two point sets through inner products,
// ‖x − y‖² = ‖x‖² + ‖y‖² − 2 x·y, the products from the Gram kernel, a block of columns at a
// time so that memory stays O(m · block). Rounding can make a tiny distance slightly negative:
// those are clamped to 0.
import type { KernelContext } from './kernels/gram-kernels';
import { copyRows, roundUp, squaredNorms, type Latents } from './latents';

/**
 * Calls `visit(products, columns, j0, stride)` for consecutive blocks of y's rows:
 * `products[i·stride + j]` holds x_i·y_{j0+j} for i < x.n, j < columns. The memory is the
 * kernels' workspace: read it inside `visit` only.
 */
export function forEachInnerProductBlock(
  context: KernelContext,
  x: Latents,
  y: Latents,
  visit: (
    products: Float64Array,
    offset: number,
    columns: number,
    j0: number,
    stride: number,
  ) => void,
  blockColumns = 1024,
): void {
  const { d } = x;
  const dk = roundUp(d, 2);
  const mp = roundUp(x.n, 2);
  const mark = context.workspace.mark();
  const rowsX = copyRows(context, x, 0, x.n, dk, undefined, mp);
  const kp = roundUp(Math.min(blockColumns, y.n), 4);
  const rowsY = context.workspace.alloc(kp * dk);
  const gram = context.workspace.alloc(mp * kp);
  for (let j0 = 0; j0 < y.n; j0 += kp) {
    const columns = Math.min(kp, y.n - j0);
    let memory = context.workspace.f64;
    memory.fill(0, rowsY / 8, rowsY / 8 + kp * dk);
    for (let j = 0; j < columns; j++) {
      memory.set(y.data.subarray((j0 + j) * d, (j0 + j + 1) * d), rowsY / 8 + j * dk);
    }
    memory.fill(0, gram / 8, gram / 8 + mp * kp);
    context.kernels.gram(rowsX, mp, rowsY, kp, dk, dk * 8, gram, kp * 8, 8, false, 0);
    memory = context.workspace.f64;
    visit(memory, gram / 8, columns, j0, kp);
  }
  context.workspace.release(mark);
}

/**
 * Calls `visit(distances, columns, j0)` for consecutive blocks of y's rows: `distances[i·columns + j]`
 * holds ‖x_i − y_{j0+j}‖² for i < x.n, j < columns. The array is reused between calls.
 */
export function forEachDistanceBlock(
  context: KernelContext,
  x: Latents,
  y: Latents,
  visit: (distances: Float64Array, columns: number, j0: number) => void,
  blockColumns = 1024,
): void {
  const xNorms = squaredNorms(x);
  const yNorms = squaredNorms(y);
  let distances = new Float64Array(0);
  forEachInnerProductBlock(
    context,
    x,
    y,
    (products, offset, columns, j0, stride) => {
      if (distances.length < x.n * columns) distances = new Float64Array(x.n * columns);
      for (let i = 0; i < x.n; i++) {
        const row = offset + i * stride;
        const xi = xNorms[i];
        for (let j = 0; j < columns; j++) {
          const value = xi + yNorms[j0 + j] - 2 * products[row + j];
          distances[i * columns + j] = value > 0 ? value : 0;
        }
      }
      visit(distances, columns, j0);
    },
    blockColumns,
  );
}
