// A WebAssembly module built by the kernels (wasm-writer.ts) and instantiated on the tfjs-wasm
// backend's heap, once per heap memory (a new backend brings a new one), so that the kernels read
// and write tensors in place.
import type { tf } from '../tf';

/** The parts of tfjs-wasm's backend that the heap kernels use. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
}

/**
 * The exports of the module `build()` returns, instantiated on the backend's heap (cached per
 * memory), or null where the module does not validate (no WebAssembly SIMD).
 */
export function heapKernel<T>(
  build: () => Uint8Array<ArrayBuffer>,
): (backend: WasmHeapBackend) => T | null {
  let module: WebAssembly.Module | null | undefined;
  let memory: WebAssembly.Memory | undefined;
  let exports: T | null = null;
  return (backend) => {
    if (module === undefined) {
      const bytes = build();
      module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    }
    if (!module) return null;
    if (memory !== backend.wasm.asm.memory) {
      memory = backend.wasm.asm.memory;
      exports = new WebAssembly.Instance(module, { env: { memory } }).exports as T;
    }
    return exports;
  };
}

/** The byte address of a tensor on the heap. */
export function heapAddress(backend: WasmHeapBackend, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}
