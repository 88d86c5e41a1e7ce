// Identity, and Cast to the dtype a tensor already has, as views of the same data on tfjs-wasm (as
// tfjs' CPU backend and tfjs-wasm's own Reshape do) instead of copies. The gradient tape clones
// every tensor it saves for the backward pass through Identity, and passes each saved tensor's
// gradient through a Cast: on wasm each was a full copy, ~5 % of a conv training step
// (bench/conv-profile.ts). Tensors are immutable (a variable's assign takes new data), so sharing
// is safe.
import { tf } from '../tf';

interface RefCounting {
  incRef(dataId: unknown): void;
}

let installed = false;

export function installSharedIdentity(): boolean {
  if (installed) return true;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast) return false;
  installed = true;
  const share = (backend: unknown, x: tf.TensorInfo): tf.TensorInfo => {
    (backend as RefCounting).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...identity,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      return x.dtype === 'string'
        ? (identity.kernelFunc(args) as tf.TensorInfo)
        : share(args.backend, x);
    },
  });
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    ...cast,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { dtype } = args.attrs as { dtype: string };
      return dtype === x.dtype && dtype !== 'string'
        ? share(args.backend, x)
        : (cast.kernelFunc(args) as tf.TensorInfo);
    },
  });
  return true;
}
