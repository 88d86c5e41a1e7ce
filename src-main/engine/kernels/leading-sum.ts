// Sums over leading axes (x [rows, cols] → [cols]) in 128-bit WebAssembly SIMD on the tfjs-wasm
// heap, in place of tfjs-wasm's Sum for those axes. Every bias gradient is one (dy summed over the
// batch and, for a convolution, every pixel): tfjs-wasm's Sum reduces innermost axes only, so it
// first transposed the whole of dy (a conv step spent ~7 % of its time there, bench/conv-profile.ts).
// Here rows are added onto the output one after another, each column in increasing row order
// from 0, as tfjs-wasm's sequential loop adds them after its transpose.
import { tf } from '../tf';
import {
  FunctionBody,
  I32,
  importedMemoryModule,
  unsignedLeb as leb,
} from '../coverage/kernels/wasm-writer';
import { heapAddress, heapKernel, type WasmHeapBackend } from './heap-kernel';

/** columnSums(x, out, rows, colBytes): out[j] = Σᵢ x[i, j] for the first colBytes/16 column quads. */
function emitColumnSums(f: FunctionBody): void {
  const [x, out, rows, colBytes, rowBytes] = [0, 1, 2, 3, 4];
  const [i, j, row] = [f.local(I32), f.local(I32), f.local(I32)];
  f.forRange(
    j,
    () => f.i32(0),
    colBytes,
    16,
    () => f.get(out).get(j).i32Add().v128Zero().v128Store(0),
  );
  f.get(x).set(row);
  f.forRange(
    i,
    () => f.i32(0),
    rows,
    1,
    () => {
      f.forRange(
        j,
        () => f.i32(0),
        colBytes,
        16,
        () => {
          f.get(out).get(j).i32Add();
          f.get(out).get(j).i32Add().v128Load(0);
          f.get(row).get(j).i32Add().v128Load(0);
          f.code.push(0xfd, ...leb(0xe4)); // f32x4.add
          f.v128Store(0);
        },
      );
      f.get(row).get(rowBytes).i32Add().set(row);
    },
  );
}

const kernel = heapKernel<{ columnSums: (...args: number[]) => void }>(() => {
  const body = new FunctionBody(5);
  emitColumnSums(body);
  return importedMemoryModule([{ name: 'columnSums', parameters: new Array(5).fill(I32), body }]);
});

/** Σ over the rows of x [rows, cols] on the heap into out [cols]. */
export function columnSums(
  backend: WasmHeapBackend,
  x: tf.TensorInfo,
  out: tf.TensorInfo,
  rows: number,
  cols: number,
): void {
  const k = kernel(backend);
  const quads = k ? cols & ~3 : 0;
  if (k && quads > 0)
    k.columnSums(heapAddress(backend, x), heapAddress(backend, out), rows, 4 * quads, 4 * cols);
  if (quads === cols) return;
  const [xs, sums] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out)];
  for (let j = quads; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s = Math.fround(s + xs[i * cols + j]);
    sums[j] = s;
  }
}

let installed = false;

/** Routes wasm Sums over leading axes (float32) to columnSums; the rest stay tfjs-wasm's. */
export function installLeadingSum(): boolean {
  if (installed) return true;
  const stock = tf.getKernel('Sum', 'wasm');
  if (!stock) return false;
  installed = true;
  tf.unregisterKernel('Sum', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as {
        inputs: { x: tf.TensorInfo };
        backend: WasmHeapBackend;
        attrs: { axis: number | number[]; keepDims: boolean };
      };
      const { x } = inputs;
      const rank = x.shape.length;
      const axes = [attrs.axis].flat().map((a) => (a < 0 ? a + rank : a));
      const leading =
        axes.length > 0 &&
        axes.length < rank &&
        [...axes].sort((a, b) => a - b).every((a, i) => a === i);
      if (x.dtype !== 'float32' || !leading)
        return stock.kernelFunc(args as never) as tf.TensorInfo;
      const kept = x.shape.slice(axes.length);
      const rows = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
      const cols = kept.reduce((a, b) => a * b, 1);
      const shape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
      const out = backend.makeOutput(shape, 'float32');
      if (cols > 0) columnSums(backend, x, out, rows, cols);
      return out;
    },
  });
  return true;
}
