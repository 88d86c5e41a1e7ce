import { tf } from '../tf';
import { ACTIVATIONS, instantiateGemm, productScratchBytes, type GemmKernel } from './gemm';
import { multiply, type ProductCall } from './gemm-threads';

/**
 * Replaces tfjs-wasm's BatchMatMul kernel with gemm.ts' for float32 products op(A)·op(B) of
 * matrices (or single-item batches) whose result has a multiple of 4 rows and of 8 columns, with or
 * without transposed operands, in place on the wasm heap; every other product goes to the stock
 * kernel. Gradients are unchanged (matMuls too), and the sums are taken in the same order.
 * _FusedMatMul (tfjs-layers' Dense at inference: product, rank-1 bias, linear/relu/relu6) is
 * replaced the same way, the bias first in each sum as XNNPACK adds it. Large products run on
 * several threads (gemm-threads.ts), with the same results bit for bit.
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

let kernel: GemmKernel | null | undefined;
/** The memory `kernel` runs on: a new wasm backend instance gets a new kernel and scratch. */
let kernelMemory: WebAssembly.Memory | undefined;
let scratch = 0;
let scratchBytes = 0;
let installed = false;
let enabled = true;

/** Turns the replacements (BatchMatMul and _FusedMatMul) off and on, for tests and benchmarks. */
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

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** op(a)·op(b) (+ bias, then `activation`) on the wasm heap, or null to leave it to tfjs. */
function fastMatMul(
  args: KernelArgs,
  bias: tf.TensorInfo | null = null,
  activation: keyof typeof ACTIVATIONS = 'linear',
): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const product = fastProduct(a.shape, b.shape, ta, tb);
  if (!product) return null;
  const { m, k, n, batched } = product;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n))
    return null;
  const backend = args.backend as WasmBackend;
  if (kernelMemory !== backend.wasm.asm.memory) {
    kernelMemory = backend.wasm.asm.memory;
    kernel = instantiateGemm(kernelMemory);
    scratch = 0;
    scratchBytes = 0;
  }
  if (!kernel) return null;
  // A product of few rows and a long, wide B (a filter gradient colsᵀ·dy: k the batch's pixels) is
  // computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: threads share a product's rows, and each copies and packs all
  // of its right operand, here the small one. Each sum is the same (the factors of each term
  // swap, which rounding does not see). Cᵀ is transposed back after, which costs little only
  // while C is small next to B (k ≥ 8m).
  const swap =
    !bias && activation === 'linear' && m % 8 === 0 && m <= 256 && n >= 4 * m && k >= 8 * m;
  const need = productScratchBytes(swap ? n : m, k, swap ? m : n) + (swap ? m * n * 4 : 0);
  if (need > scratchBytes) {
    if (scratch) backend.wasm._free(scratch);
    scratchBytes = Math.max(need, 2 * scratchBytes);
    scratch = backend.wasm._malloc(scratchBytes);
  }
  const out = backend.makeOutput(batched ? [1, m, n] : [m, n], 'float32');
  const address = (info: tf.TensorInfo) => backend.dataIdMap.get(info.dataId).memoryOffset;
  // A stored [m×k] or, transposed, [k×m]; B [k×n] or [n×k]; C [m×n].
  const call: ProductCall = {
    a: address(a),
    lda: (ta ? m : k) * 4,
    ta,
    b: address(b),
    ldb: (tb ? k : n) * 4,
    tb,
    c: address(out),
    m,
    k,
    n,
    bias: bias ? address(bias) : 0,
    act: ACTIVATIONS[activation],
  };
  if (!swap) {
    multiply(kernel, backend.wasm.asm.memory, call, scratch);
    return out;
  }
  const transposed = scratch + productScratchBytes(n, k, m);
  const swapped: ProductCall = {
    ...call,
    a: call.b,
    lda: call.ldb,
    ta: !tb,
    b: call.a,
    ldb: call.lda,
    tb: !ta,
    c: transposed,
    m: n,
    n: m,
  };
  multiply(kernel, backend.wasm.asm.memory, swapped, scratch);
  const heap = new Float32Array(backend.wasm.asm.memory.buffer);
  const [from, to] = [transposed / 4, call.c / 4];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) heap[to + i * n + j] = heap[from + j * m + i];
  return out;
}

/** _FusedMatMul's extras: a rank-1 bias and an activation gemm.ts applies; null for the rest. */
function fusedMatMul(args: KernelArgs): tf.TensorInfo | null {
  const { bias, preluActivationWeights } = args.inputs as {
    bias?: tf.TensorInfo;
    preluActivationWeights?: tf.TensorInfo;
  };
  const activation = ((args.attrs ?? {}) as { activation?: string }).activation ?? 'linear';
  if (preluActivationWeights || !Object.hasOwn(ACTIVATIONS, activation)) return null;
  return fastMatMul(args, bias ?? null, activation as keyof typeof ACTIVATIONS);
}

/** Installs the replacements on the wasm backend once; false where there is nothing to replace. */
export function installFastMatMul(): boolean {
  if (installed) return true;
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  const stockFused = tf.getKernel('_FusedMatMul', 'wasm');
  if (!stock || typeof WebAssembly === 'undefined') return false;
  installed = true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) =>
      fastMatMul(args as never) ?? (stock.kernelFunc(args as never) as tf.TensorInfo),
  });
  if (stockFused) {
    tf.unregisterKernel('_FusedMatMul', 'wasm');
    tf.registerKernel({
      ...stockFused,
      kernelFunc: (args) =>
        fusedMatMul(args as never) ?? (stockFused.kernelFunc(args as never) as tf.TensorInfo),
    });
  }
  return true;
}
