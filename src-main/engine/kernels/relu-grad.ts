// ReLU's gradient dy·step(x) as one pass of 128-bit WebAssembly SIMD on the tfjs-wasm heap. tfjs'
// gradient is three kernels (Step, Cast, Multiply), each a full pass and a fresh tensor; a conv step
// ran twelve of them (bench/conv-profile.ts). Each lane is dy·1 or dy·0 as tfjs computes it (so
// −0 stays −0); a NaN x gives 0 where tfjs gives NaN, which a finite loss never meets.
import { tf } from '../tf';
import {
  FunctionBody,
  I32,
  importedMemoryModule,
  unsignedLeb as leb,
} from '../coverage/kernels/wasm-writer';
import { heapAddress, heapKernel, type WasmHeapBackend } from './heap-kernel';

const KERNEL = 'AtlasReluGrad';

/** reluGrad(dy, x, out, bytes): out = dy · (x > 0 ? 1 : 0), bytes a multiple of 16. */
function emitReluGrad(f: FunctionBody): void {
  const [dy, x, out, bytes] = [0, 1, 2, 3];
  const i = f.local(I32);
  const simd = (opcode: number, ...immediates: number[]) =>
    f.code.push(0xfd, ...leb(opcode), ...immediates);
  const one = Array.from(new Uint8Array(new Float32Array([1, 1, 1, 1]).buffer));
  f.forRange(
    i,
    () => f.i32(0),
    bytes,
    16,
    () => {
      f.get(out).get(i).i32Add();
      f.get(dy).get(i).i32Add().v128Load(0);
      f.get(x).get(i).i32Add().v128Load(0);
      f.v128Zero();
      simd(0x44); // f32x4.gt
      simd(0x0c, ...one); // v128.const 1.0 × 4
      simd(0x4e); // v128.and
      simd(0xe6); // f32x4.mul
      f.v128Store(0);
    },
  );
}

const kernel = heapKernel<{ reluGrad: (...args: number[]) => void }>(() => {
  const body = new FunctionBody(4);
  emitReluGrad(body);
  return importedMemoryModule([{ name: 'reluGrad', parameters: new Array(4).fill(I32), body }]);
});

let registered = false;

/** Registers the wasm kernel and Relu's gradient through it (other backends: tfjs' formula). */
export function installReluGrad(): boolean {
  if (registered) return true;
  if (!tf.getKernel('Relu', 'wasm')) return false;
  registered = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const wasm = backend as unknown as WasmHeapBackend;
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      const out = wasm.makeOutput([...x.shape], 'float32');
      const size = x.shape.reduce((a, b) => a * b, 1);
      const k = kernel(wasm);
      const quads = k ? size & ~3 : 0;
      if (k && quads > 0)
        k.reluGrad(heapAddress(wasm, dy), heapAddress(wasm, x), heapAddress(wasm, out), 4 * quads);
      if (quads < size) {
        const [g, xs, o] = [dy, x, out].map((t) => wasm.typedArrayFromHeap(t));
        for (let i = quads; i < size; i++) o[i] = g[i] * (xs[i] > 0 ? 1 : 0);
      }
      return out;
    },
  });
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reluGrad(dy as tf.Tensor, saved[0]) }),
  });
  return true;
}

/** dy·step(x): one kernel on wasm (once installed), tfjs' ops elsewhere. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return registered && tf.getBackend() === 'wasm' && x.dtype === 'float32' && dy.dtype === 'float32'
    ? (tf.engine().runKernel(KERNEL, { dy, x }) as tf.Tensor)
    : tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}
