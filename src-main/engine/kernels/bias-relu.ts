// relu(x + bias) in one pass of 128-bit WebAssembly SIMD on the tfjs-wasm heap, for the layers of a
// training step (nets/forward.ts): tfjs' Add and Relu are two passes and two fresh tensors. Each
// lane is max(x + b, 0) with the sum rounded to float32 as Add rounds it. The gradient is ReLU's,
// dy·step(y) from the output y (y > 0 exactly where x + b > 0), and the bias's is its sum over the
// leading axes.
import { tf } from '../tf';
import {
  FunctionBody,
  I32,
  V128,
  importedMemoryModule,
  unsignedLeb as leb,
} from '../coverage/kernels/wasm-writer';
import { heapAddress, heapKernel, type WasmHeapBackend } from './heap-kernel';
import { reluGrad } from './relu-grad';

const KERNEL = 'AtlasBiasRelu';

/** biasRelu(x, bias, out, rows, rowBytes): out[i, j] = max(x[i, j] + bias[j], 0); rowBytes % 16 = 0. */
function emitBiasRelu(f: FunctionBody): void {
  const [x, bias, out, rows, rowBytes] = [0, 1, 2, 3, 4];
  const [i, j, at] = [f.local(I32), f.local(I32), f.local(I32)];
  const v = f.local(V128);
  const simd = (opcode: number) => f.code.push(0xfd, ...leb(opcode));
  f.i32(0).set(at);
  f.forRange(
    i,
    () => f.i32(0),
    rows,
    1,
    () => {
      f.forRange(
        j,
        () => f.i32(0),
        rowBytes,
        16,
        () => {
          f.get(x).get(at).i32Add().v128Load(0);
          f.get(bias).get(j).i32Add().v128Load(0);
          simd(0xe4); // f32x4.add
          f.set(v);
          f.get(out).get(at).i32Add().get(v).v128Zero();
          simd(0xe9); // f32x4.max
          f.v128Store(0);
          f.get(at).i32(16).i32Add().set(at);
        },
      );
    },
  );
}

const kernel = heapKernel<{ biasRelu: (...args: number[]) => void }>(() => {
  const body = new FunctionBody(5);
  emitBiasRelu(body);
  return importedMemoryModule([{ name: 'biasRelu', parameters: new Array(5).fill(I32), body }]);
});

let registered = false;

function register(): void {
  registered = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const wasm = backend as unknown as WasmHeapBackend;
      const { x, bias } = inputs as { x: tf.TensorInfo; bias: tf.TensorInfo };
      const out = wasm.makeOutput([...x.shape], 'float32');
      const cols = bias.shape[0];
      const rows = x.shape.reduce((a, b) => a * b, 1) / cols;
      const k = kernel(wasm);
      if (k && cols % 4 === 0) {
        const [px, pb, po] = [x, bias, out].map((t) => heapAddress(wasm, t));
        k.biasRelu(px, pb, po, rows, 4 * cols);
      } else {
        const [xs, bs, os] = [x, bias, out].map((t) => wasm.typedArrayFromHeap(t));
        for (let i = 0; i < rows * cols; i++)
          os[i] = Math.max(Math.fround(xs[i] + bs[i % cols]), 0);
      }
      return out;
    },
  });
  tf.registerGradient({
    kernelName: KERNEL,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      // The tape asks for x's gradient first (inputs in order), each in a tidy of its own whose
      // result it keeps: bias's reuses it then, and computes its own when x's is not wanted.
      let g: tf.Tensor | undefined;
      const grad = () => reluGrad(dy as tf.Tensor, saved[0]);
      const leading = Array.from({ length: saved[0].rank - 1 }, (_, i) => i);
      return { x: () => (g = grad()), bias: () => tf.sum(g ?? grad(), leading) };
    },
  });
}

/** relu(x + bias) for a bias over x's last axis: one kernel on wasm, tfjs' ops elsewhere. */
export function biasRelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const fits =
    tf.getBackend() === 'wasm' &&
    x.dtype === 'float32' &&
    bias.dtype === 'float32' &&
    bias.rank === 1 &&
    bias.shape[0] === x.shape[x.rank - 1];
  if (!fits) return tf.relu(tf.add(x, bias));
  if (!registered) register();
  return tf.engine().runKernel(KERNEL, { x, bias }) as tf.Tensor;
}
