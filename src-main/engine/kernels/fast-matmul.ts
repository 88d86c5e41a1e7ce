import { tf } from '../tf';
import { instantiateGemm, type GemmKernel } from './gemm';

/**
 * Replaces tfjs-wasm's BatchMatMul kernel with gemm.ts' for float32 products op(A)·op(B) of
 * matrices (or single-item batches) whose result has a multiple of 4 rows and of 8 columns, with or
 * without transposed operands, in place on the wasm heap; every other product goes to the stock
 * kernel. Gradients are unchanged (matMuls too), and the sums are taken in the same order.
 */
interface WasmBackend {
  wasm: {
    asm: { memory: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** Blocking: KC rows of B per packed panel (8 KB per panel), MC rows of A per packed strip. */
const KC = 256;
const MC = 64;

let kernel: GemmKernel | null | undefined;
/** The memory `kernel` runs on: a new wasm backend instance gets a new kernel and scratch. */
let kernelMemory: WebAssembly.Memory | undefined;
let scratch = 0;
let scratchBytes = 0;
let installed = false;
let enabled = true;

/** Turns the replacement off and on (for tests and the benchmark's comparisons). */
export function setFastMatMul(on: boolean): void {
  enabled = on;
}

interface Product {
  m: number;
  k: number;
  n: number;
  batched: boolean;
}

/** The product's sizes when the fast kernel takes it, else null. */
export function fastProduct(
  aShape: number[],
  bShape: number[],
  transposeA = false,
  transposeB = false,
): Product | null {
  if (!enabled || !installed || kernel === null) return null;
  const batched = aShape.length === 3;
  if (batched && (aShape[0] !== 1 || bShape.length !== 3 || bShape[0] !== 1)) return null;
  if (!batched && (aShape.length !== 2 || bShape.length !== 2)) return null;
  const [a0, a1] = aShape.slice(-2);
  const [b0, b1] = bShape.slice(-2);
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const [k2, n] = transposeB ? [b1, b0] : [b0, b1];
  if (k !== k2 || m % 4 !== 0 || n % 8 !== 0 || m === 0 || k === 0) return null;
  return { m, k, n, batched };
}

function fastMatMul(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const product = fastProduct(a.shape, b.shape, ta, tb);
  if (!product) return null;
  const { m, k, n, batched } = product;
  const backend = args.backend as WasmBackend;
  if (kernelMemory !== backend.wasm.asm.memory) {
    kernelMemory = backend.wasm.asm.memory;
    kernel = instantiateGemm(kernelMemory);
    scratch = 0;
    scratchBytes = 0;
  }
  if (!kernel) return null;
  const kc = Math.min(k, KC);
  const mc = Math.min(m, MC);
  const need = (kc * n + mc * kc) * 4;
  if (need > scratchBytes) {
    if (scratch) backend.wasm._free(scratch);
    scratchBytes = Math.max(need, 2 * scratchBytes);
    scratch = backend.wasm._malloc(scratchBytes);
  }
  const out = backend.makeOutput(batched ? [1, m, n] : [m, n], 'float32');
  const pa = backend.dataIdMap.get(a.dataId).memoryOffset;
  const pb = backend.dataIdMap.get(b.dataId).memoryOffset;
  const pc = backend.dataIdMap.get(out.dataId).memoryOffset;
  const packedB = scratch;
  const packedA = scratch + kc * n * 4;
  for (let p = 0; p < k; p += kc) {
    const depth = Math.min(kc, k - p);
    // B[p.., :] is stored [k×n] (row p at pb + 4pn) or, transposed, [n×k] (column p at pb + 4p).
    if (tb) kernel.packBT(pb + p * 4, k * 4, depth, n, packedB);
    else kernel.packB(pb + p * n * 4, n * 4, depth, n, packedB);
    for (let i = 0; i < m; i += mc) {
      const rows = Math.min(mc, m - i);
      // A[i.., p..] is stored [m×k] or, transposed, [k×m].
      if (ta) kernel.packAT(pa + (p * m + i) * 4, m * 4, rows, depth, packedA);
      else kernel.packA(pa + (i * k + p) * 4, k * 4, rows, depth, packedA);
      const run = p === 0 ? kernel.gemm : kernel.gemmAdd;
      run(packedA, packedB, depth, rows, n, pc + i * n * 4, n * 4);
    }
  }
  return out;
}

/** Installs the replacement on the wasm backend once; false where there is nothing to replace. */
export function installFastMatMul(): boolean {
  if (installed) return true;
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  if (!stock || typeof WebAssembly === 'undefined') return false;
  installed = true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) =>
      fastMatMul(args as never) ?? (stock.kernelFunc(args as never) as tf.TensorInfo),
  });
  return true;
}
