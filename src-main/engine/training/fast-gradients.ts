import { tf } from '../tf';
import { fastProduct, installFastMatMul } from '../kernels/fast-matmul';
import { installLeadingSum } from '../kernels/leading-sum';
import { installReluGrad } from '../kernels/relu-grad';
import { installSharedIdentity } from '../kernels/shared-identity';

/**
 * Gradient overrides that keep training fast on the wasm backend.
 *
 * 1. tfjs-wasm's `matMul` with `transposeA`/`transposeB` is 10–20× slower than an explicit
 *    transpose followed by a plain `matMul` (design.md: 86 ms vs 5 ms for [784×128]ᵀ·[128×512]),
 *    and the stock BatchMatMul gradient uses exactly those forms.
 * 2. tfjs-wasm has no Conv2DBackpropFilter kernel, so the stock Conv2D and Conv2DTranspose
 *    gradients throw there; we compute the filter gradient as im2col (strided slices) + one matMul.
 *
 * Native backends keep their own kernels: the overrides fall through to the stock forms there.
 */
type Attrs = Record<string, unknown>;
type Grads = Record<string, () => tf.Tensor>;

function usesWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

const size = (t: tf.Tensor) => t.size;

/**
 * op(a)·op(b) with explicit transposes on wasm. For rank-2 products with one transposed operand,
 * the transpose goes where it moves fewer values: aᵀ·b = (bᵀ·a)ᵀ, a·bᵀ = (b·aᵀ)ᵀ. The filter
 * gradient of an im2col convolution, colsᵀ·dy, then transposes the small dy and the small product
 * instead of the patch matrix (kh·kw times the image).
 */
function mm(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor {
  if (!usesWasm()) return tf.matMul(a, b, ta, tb);
  // The SIMD kernel (kernels/fast-matmul.ts) packs transposed operands as they lie.
  if (fastProduct(a.shape, b.shape, ta, tb)) return tf.matMul(a, b, ta, tb);
  if (a.rank === 2 && b.rank === 2 && ta !== tb) {
    const [a0, a1] = a.shape as [number, number];
    const [b0, b1] = b.shape as [number, number];
    const outSize = (ta ? a1 : a0) * (tb ? b0 : b1);
    const direct = ta ? size(a) : size(b);
    const swapped = (ta ? size(b) : size(a)) + outSize;
    if (swapped < direct)
      return tf.transpose(tf.matMul(ta ? swapLast(b) : b, ta ? a : swapLast(a)));
  }
  return tf.matMul(ta ? swapLast(a) : a, tb ? swapLast(b) : b);
}

/** Transposes the last two axes (BatchMatMul operands may be rank 3). */
function swapLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return tf.transpose(t, perm);
}

function batchMatMulGrad(dy: tf.Tensor, saved: tf.Tensor[], attrs: Attrs): Grads {
  const [a, b] = saved;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  if (!transposeA && !transposeB)
    return { a: () => mm(dy, b, false, true), b: () => mm(a, dy, true, false) };
  if (!transposeA && transposeB)
    return { a: () => mm(dy, b, false, false), b: () => mm(dy, a, true, false) };
  if (transposeA && !transposeB)
    return { a: () => mm(b, dy, false, true), b: () => mm(a, dy, false, false) };
  return { a: () => mm(b, dy, true, true), b: () => mm(dy, a, true, true) };
}

type Pad = 'same' | 'valid' | number;

/**
 * dL/dW for y = conv2d(x, W) in NHWC: gather every filter tap's strided view of the padded input
 * (im2col), then one [kh·kw·ci, N]·[N, co] product.
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const [b] = x.shape;
    const [, ho, wo] = dy.shape;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const padded = tf.pad(x, [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const view = tf.stridedSlice(
          padded,
          [0, i, j, 0],
          [b, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, ci],
          [1, sh, sw, 1],
        );
        taps.push(tf.reshape(view, [b * ho * wo, ci]));
      }
    }
    const cols = tf.concat(taps, 1); // [N, kh·kw·ci]
    const grad = tf.matMul(tf.transpose(cols), tf.reshape(dy, [b * ho * wo, co]));
    return tf.reshape(grad, [kh, kw, ci, co]) as tf.Tensor4D;
  });
}

function conv2dGrad(dy: tf.Tensor, saved: tf.Tensor[], attrs: Attrs): Grads {
  const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as {
    strides: [number, number];
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const shape = filter.shape as [number, number, number, number];
  return {
    x: () =>
      tf.conv2dTranspose(
        dy as tf.Tensor4D,
        filter,
        x.shape,
        strides,
        pad as 'same',
        dimRoundingMode,
      ),
    filter: () =>
      usesWasm() && dataFormat !== 'NCHW'
        ? conv2dFilterGrad(x, dy as tf.Tensor4D, shape, strides, pad, dimRoundingMode)
        : nativeFilterGrad(x, dy as tf.Tensor4D, shape, strides, pad, dimRoundingMode),
  };
}

function conv2dBackpropInputGrad(ddx: tf.Tensor, saved: tf.Tensor[], attrs: Attrs): Grads {
  const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
  const { strides, pad, dimRoundingMode } = attrs as {
    strides: [number, number];
    pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const shape = filter.shape as [number, number, number, number];
  return {
    dy: () =>
      tf.conv2d(ddx as tf.Tensor4D, filter, strides, pad as 'same', 'NHWC', 1, dimRoundingMode),
    filter: () =>
      usesWasm()
        ? conv2dFilterGrad(ddx as tf.Tensor4D, dy, shape, strides, pad, dimRoundingMode)
        : nativeFilterGrad(ddx as tf.Tensor4D, dy, shape, strides, pad, dimRoundingMode),
  };
}

function nativeFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  shape: [number, number, number, number],
  strides: [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  // tf.conv2DBackpropFilter is not in the public namespace; run the kernel directly.
  return tf.engine().runKernel(
    'Conv2DBackpropFilter',
    { x, dy },
    {
      strides,
      pad,
      dataFormat: 'NHWC',
      filterShape: shape,
      ...(dimRoundingMode ? { dimRoundingMode } : {}),
    },
  ) as tf.Tensor4D;
}

let installed = false;

export function installFastGradients(): void {
  if (installed) return;
  installed = true;
  installFastMatMul();
  installLeadingSum();
  installReluGrad();
  installSharedIdentity();
  const gradients = [
    { kernelName: 'BatchMatMul', inputsToSave: ['a', 'b'], gradFunc: batchMatMulGrad },
    { kernelName: 'Conv2D', inputsToSave: ['x', 'filter'], gradFunc: conv2dGrad },
    {
      kernelName: 'Conv2DBackpropInput',
      inputsToSave: ['dy', 'filter'],
      gradFunc: conv2dBackpropInputGrad,
    },
  ];
  for (const g of gradients) tf.registerGradient(g as unknown as tf.GradConfig);
}
