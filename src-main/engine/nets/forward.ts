import { tf } from '../tf';
import { conv2dByPatches, conv2dTransposeByPatches } from './conv-kernels';
import { biasRelu } from '../kernels/bias-relu';

type Act = (x: tf.Tensor) => tf.Tensor;

const ACTIVATIONS: Record<string, Act> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  relu6: (x) => tf.relu6(x),
};

interface WeightedLayer {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  trainableWeights: { read(): tf.Tensor }[];
  apply(x: tf.Tensor, kwargs?: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

let patchConvolutions = true;

/** Turns the im2col convolutions on wasm off and on (tests compare them with tfjs' own). */
export function setPatchConvolutions(on: boolean): void {
  patchConvolutions = on;
}

/**
 * Runs a Sequential model layer by layer for training. Dense, Conv2D and Conv2DTranspose go
 * through plain (unfused) ops: tfjs-layers uses fused matMul/conv2d whose built-in gradients call
 * the slow transposed matMul and the Conv2DBackpropFilter kernel that tfjs-wasm lacks; the plain
 * ops' gradients are the ones fast-gradients.ts registers. On wasm, convolutions run as im2col +
 * matMul and transposed convolutions as matMul + col2im (conv-kernels.ts), several times faster
 * than tfjs-wasm's own kernels and their gradients. `patches: false` keeps tfjs' conv ops (the
 * reference the tests compare against). Other layers run as they are.
 */
export function forward(
  model: tf.LayersModel,
  x: tf.Tensor,
  options: { patches?: boolean } = {},
): tf.Tensor {
  const patches = options.patches ?? (patchConvolutions && tf.getBackend() === 'wasm');
  let h = x;
  for (const layer of model.layers as unknown as WeightedLayer[]) {
    const kind = layer.getClassName();
    const config = layer.getConfig();
    const act = ACTIVATIONS[String(config.activation ?? 'linear')];
    if (kind === 'InputLayer') continue;
    if (kind === 'Dense' && act && h.rank === 2) {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
      const y = tf.matMul(h, kernel);
      h = activate(y, bias, config.activation, act);
    } else if (kind === 'Conv2D' && act && isPlainConv(config, h)) {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
      const strides = pair(config.strides);
      const padding = config.padding as 'same' | 'valid';
      const y = patches
        ? conv2dByPatches(h as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding)
        : tf.conv2d(h as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding);
      h = activate(y, bias, config.activation, act);
    } else if (kind === 'Conv2DTranspose' && act && patches && isPlainConv(config, h)) {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
      const strides = pair(config.strides);
      const size = pair(config.kernelSize);
      const padding = config.padding as 'same' | 'valid';
      const [n, height, width] = h.shape;
      // tfjs-layers' deconvLength for 'same' and 'valid'.
      const length = (dim: number, s: number, k: number) =>
        padding === 'same' ? dim * s : dim * s + Math.max(k - s, 0);
      const outShape: [number, number, number, number] = [
        n,
        length(height, strides[0], size[0]),
        length(width, strides[1], size[1]),
        kernel.shape[2] ?? 0,
      ];
      const y = conv2dTransposeByPatches(
        h as tf.Tensor4D,
        kernel as tf.Tensor4D,
        outShape,
        strides,
        padding,
      );
      h = activate(y, bias, config.activation, act);
    } else {
      h = layer.apply(h, { training: true }) as tf.Tensor;
    }
  }
  return h;
}

/** act(y + bias); ReLU after a bias in one kernel (kernels/bias-relu.ts). */
function activate(y: tf.Tensor, bias: tf.Tensor | undefined, name: unknown, act: Act): tf.Tensor {
  if (bias && name === 'relu') return biasRelu(y, bias);
  return act(bias ? tf.add(y, bias) : y);
}

function pair(value: unknown): [number, number] {
  return Array.isArray(value) ? [value[0], value[1] ?? value[0]] : [Number(value), Number(value)];
}

/** NHWC, unit dilation, 'same'/'valid' padding, no output padding, a rank-4 input. */
function isPlainConv(config: Record<string, unknown>, h: tf.Tensor): boolean {
  return (
    h.rank === 4 &&
    config.dataFormat !== 'channelsFirst' &&
    (config.padding === 'same' || config.padding === 'valid') &&
    (config.outputPadding === undefined || config.outputPadding === null) &&
    isUnitDilation(config)
  );
}

function isUnitDilation(config: Record<string, unknown>): boolean {
  const d = config.dilationRate;
  return d === undefined || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));
}
