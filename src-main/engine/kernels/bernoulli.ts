// −log p(x | z) of Bernoulli pixels for many importance samples at once on the tfjs-wasm heap: the
// kernel of bernoulli-module.ts (one pass of 128-bit WebAssembly SIMD over the logits), on several
// threads where the logits are many (gemm-threads.ts). Each row is summed by one thread, so the
// results do not depend on how many run.
import { tf } from '../tf';
import { buildBernoulliModule } from './bernoulli-module';
import { bernoulliRows } from './gemm-threads';

interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let rows: ((...args: number[]) => void) | null | undefined;
let rowsMemory: WebAssembly.Memory | undefined;
let enabled = true;

/** Turns the kernel off and on (the tests compare it with likelihood.ts). */
export function setFastBernoulli(on: boolean): void {
  enabled = on;
}

/**
 * Per-row −log p(x | z) [m·k] for logits [m·k, D] (k rows per item) and x [m, D] in [0, 1], or
 * null where the kernel does not apply (another backend, D not a multiple of 4).
 */
export function bernoulliNllRows(
  logits: tf.Tensor2D,
  x: tf.Tensor2D,
  k: number,
): tf.Tensor1D | null {
  const [n, d] = logits.shape;
  if (!enabled || tf.getBackend() !== 'wasm' || d % 4 !== 0 || x.shape[1] !== d) return null;
  if (x.shape[0] * k !== n || logits.dtype !== 'float32' || x.dtype !== 'float32') return null;
  const backend = tf.backend() as unknown as WasmBackend;
  if (rowsMemory !== backend.wasm.asm.memory) {
    rowsMemory = backend.wasm.asm.memory;
    try {
      const bytes = buildBernoulliModule();
      rows = WebAssembly.validate(bytes)
        ? ((
            new WebAssembly.Instance(new WebAssembly.Module(bytes), {
              env: { memory: backend.wasm.asm.memory },
            }).exports as { rows: (...args: number[]) => void }
          ).rows ?? null)
        : null;
    } catch {
      rows = null;
    }
  }
  if (!rows) return null;
  const out = backend.makeOutput([n], 'float32');
  const address = (info: tf.TensorInfo) => backend.dataIdMap.get(info.dataId).memoryOffset;
  const call = { logits: address(logits), x: address(x), out: address(out), n, d, k };
  bernoulliRows(rows, backend.wasm.asm.memory, call);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor1D;
}
