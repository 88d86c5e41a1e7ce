import { tf } from '../tf';
import { col2im, im2col, patchRows, patchWidth, type PatchGeometry } from './im2col';
import { instantiatePatches, type PatchKernels } from '../kernels/patches';

/**
 * Convolutions for training on tfjs-wasm, as im2col + one plain matMul (XNNPACK's fast GEMM).
 *
 * Profiled on wasm (bench/conv-profile.ts), a 32×32×3 conv-VAE step spent ~70 % of its time in the
 * im2col filter gradient's 16 strided slices per layer, ~20 % in tfjs-wasm's Conv2DBackpropInput
 * (the transposed convolutions' forward pass and the convolutions' input gradient) and little in
 * matMul. Here a convolution is y = im2col(x) · W₂, a transposed convolution is col2im(x · W₂ᵀ),
 * and im2col/col2im are two kernels (one gather, one scatter-add, written in plain JavaScript over
 * the wasm heap) that are each other's gradient. Every other gradient is a plain matMul through
 * fast-gradients.ts, and unneeded ones (the input of the first layer) are never computed.
 */
const IM2COL = 'AtlasIm2Col';
const COL2IM = 'AtlasCol2Im';

type Attrs = Record<string, unknown>;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
}

let wasmKernels: PatchKernels | null | undefined;
let kernelsMemory: WebAssembly.Memory | undefined;
let useWasmKernels = true;

/** Chooses between the WebAssembly loops (kernels/patches.ts) and the JavaScript ones on wasm. */
export function setWasmPatchKernels(on: boolean): void {
  useWasmKernels = on;
}

interface GenericBackend {
  readSync(dataId: unknown): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

function geometryOf(attrs: Attrs): PatchGeometry {
  return attrs as unknown as PatchGeometry;
}

/**
 * Runs `fill(input, output)` with input and output as Float32Arrays: views of the wasm heap
 * (no copies) on wasm, copies elsewhere.
 */
function runFill(
  backendName: string,
  backend: unknown,
  input: tf.TensorInfo,
  shape: number[],
  fill: (input: Float32Array, output: Float32Array) => void,
  wasmFill?: (kernels: PatchKernels, input: number, output: number) => void,
): tf.TensorInfo {
  if (input.dtype !== 'float32') throw new Error(`${IM2COL}/${COL2IM} need float32 tensors`);
  if (backendName === 'wasm') {
    const wasm = backend as WasmHeapBackend;
    if (kernelsMemory !== wasm.wasm.asm.memory) {
      kernelsMemory = wasm.wasm.asm.memory;
      wasmKernels = instantiatePatches(kernelsMemory);
    }
    if (wasmKernels && useWasmKernels && wasmFill) {
      const out = wasm.makeOutput(shape, 'float32');
      const address = (info: tf.TensorInfo) => wasm.dataIdMap.get(info.dataId).memoryOffset;
      wasmFill(wasmKernels, address(input), address(out));
      return out;
    }
    const out = wasm.makeOutput(shape, 'float32');
    // Views are taken after the allocation (which may grow, and so move, the heap).
    fill(wasm.typedArrayFromHeap(input), wasm.typedArrayFromHeap(out));
    return out;
  }
  const generic = backend as GenericBackend;
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(generic.readSync(input.dataId) as Float32Array, values);
  return generic.makeTensorInfo(shape, 'float32', values);
}

let registered = false;

/** Registers the two kernels (wasm and cpu) and their gradients, once. */
export function registerPatchKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['wasm', 'cpu']) {
    tf.registerKernel({
      kernelName: IM2COL,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const g = geometryOf(attrs as Attrs);
        return runFill(
          backendName,
          backend,
          inputs.x as tf.TensorInfo,
          [patchRows(g), patchWidth(g)],
          (x, c) => im2col(x, c, g),
          (kernels, x, c) => kernels.im2col(x, c, g),
        );
      },
    });
    tf.registerKernel({
      kernelName: COL2IM,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const g = geometryOf(attrs as Attrs);
        const shape = [g.batch, g.inHeight, g.inWidth, g.inChannels];
        return runFill(
          backendName,
          backend,
          inputs.cols as tf.TensorInfo,
          shape,
          (c, x) => col2im(c, x, g),
          (kernels, c, x) => kernels.col2im(c, x, g),
        );
      },
    });
  }
  // The two are linear and each other's transpose, so each is the other's gradient.
  tf.registerGradient({
    kernelName: IM2COL,
    gradFunc: (dy, _saved, attrs) => ({
      x: () => col2imOp(dy as tf.Tensor2D, geometryOf(attrs as Attrs)),
    }),
  });
  tf.registerGradient({
    kernelName: COL2IM,
    gradFunc: (dy, _saved, attrs) => ({
      cols: () => im2colOp(dy as tf.Tensor4D, geometryOf(attrs as Attrs)),
    }),
  });
}

/** The patch matrix [n·ho·wo, kh·kw·ci] of x [n, h, w, ci]. */
export function im2colOp(x: tf.Tensor4D, g: PatchGeometry): tf.Tensor2D {
  registerPatchKernels();
  return tf.engine().runKernel(IM2COL, { x }, { ...g }) as tf.Tensor2D;
}

/** The image [n, h, w, ci] whose patches sum to cols [n·ho·wo, kh·kw·ci] (im2col's adjoint). */
export function col2imOp(cols: tf.Tensor2D, g: PatchGeometry): tf.Tensor4D {
  registerPatchKernels();
  return tf.engine().runKernel(COL2IM, { cols }, { ...g }) as tf.Tensor4D;
}

type Padding = 'same' | 'valid';

/** The patch geometry of conv2d(x of `inShape`, filter [kh, kw, ci, co]). */
export function patchGeometry(
  inShape: number[],
  filterShape: number[],
  strides: [number, number],
  pad: Padding,
): PatchGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    kernelHeight: info.filterHeight,
    kernelWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** conv2d(x, filter) in NHWC (unit dilation) as im2col(x) · filter₂. */
export function conv2dByPatches(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number],
  pad: Padding,
): tf.Tensor4D {
  const g = patchGeometry(x.shape, filter.shape, strides, pad);
  const co = filter.shape[3];
  const y = tf.matMul(im2colOp(x, g), tf.reshape(filter, [patchWidth(g), co]));
  return tf.reshape(y, [g.batch, g.outHeight, g.outWidth, co]);
}

/**
 * conv2dTranspose(x, filter [kh, kw, co, ci]) to `outShape` [n, H, W, co] in NHWC, the adjoint of
 * conv2d from [n, H, W, co] to x's [n, h, w, ci]: col2im(x₂ · filter₂ᵀ).
 */
export function conv2dTransposeByPatches(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  outShape: [number, number, number, number],
  strides: [number, number],
  pad: Padding,
): tf.Tensor4D {
  const g = patchGeometry(outShape, filter.shape, strides, pad);
  const [n, h, w, ci] = x.shape;
  if (g.outHeight !== h || g.outWidth !== w || filter.shape[3] !== ci) {
    throw new Error(
      `conv2dTranspose: input [${x.shape.join(', ')}] does not match output [${outShape.join(', ')}] and filter [${filter.shape.join(', ')}]`,
    );
  }
  const weights = tf.transpose(tf.reshape(filter, [patchWidth(g), ci])); // [ci, kh·kw·co]
  const cols = tf.matMul(tf.reshape(x, [n * h * w, ci]), weights);
  return col2imOp(cols as tf.Tensor2D, g);
}
