/**
 * A decoder that is a plain stack of Dense layers (the engine's `decoderWeights`), evaluated in
 * the page with Float32Array loops: a slider position decodes in well under a millisecond for
 * the MLP nets, with no round trip to the engine. Pure: no DOM, no tfjs, no zod.
 *
 * Each layer computes y = activation(x · kernel + bias) with the kernel row-major [inputs, units]
 * (as tfjs stores Dense kernels); sums are kept in float64. Logits become images through a
 * sigmoid; probabilities are clamped as the engine clamps them. The images match the engine's
 * `decode` to about 1e-6.
 */

export type DenseActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'softplus';

export interface DenseLayer {
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
  activation: DenseActivation;
}

export interface DenseDecoderWeights {
  layers: readonly DenseLayer[];
  output: 'logits' | 'probabilities';
  /** The shape of one image ([h, w, c], or [d] for points). */
  shape: readonly number[];
}

/** The engine maps probabilities p to logits of p clipped to [EPS, 1 − EPS] (model.ts). */
const EPS = 1e-6;

const ACTIVATIONS: Record<DenseActivation, true> = {
  linear: true,
  relu: true,
  sigmoid: true,
  tanh: true,
  elu: true,
  softplus: true,
};

/** By tag, not instanceof: arrays cloned from another realm (a preload's world) count too. */
const isFloat32Array = (value: unknown): value is Float32Array =>
  Object.prototype.toString.call(value) === '[object Float32Array]';

function activate(y: Float64Array, activation: DenseActivation): void {
  const n = y.length;
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (y[i] < 0) y[i] = 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-y[i]));
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(y[i]);
      return;
    case 'elu':
      for (let i = 0; i < n; i++) if (y[i] < 0) y[i] = Math.expm1(y[i]);
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) {
        const x = y[i];
        y[i] = x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
      }
      return;
  }
}

export class MlpDecoder {
  readonly layers: readonly DenseLayer[];
  readonly output: 'logits' | 'probabilities';
  readonly shape: readonly number[];
  /** Values per latent vector. */
  readonly latentDim: number;
  /** Values per image: prod(shape). */
  readonly outputSize: number;
  /** Multiply-adds per decoded image (the cost of one decode). */
  readonly macs: number;

  /** Checks every length (weights reach the page from another process); throws when one is off. */
  constructor(weights: DenseDecoderWeights) {
    const { layers, output, shape } = weights;
    if (layers.length === 0) throw new Error('a dense decoder needs at least one layer');
    if (output !== 'logits' && output !== 'probabilities')
      throw new Error(`unknown decoder output "${String(output)}"`);
    layers.forEach((l, i) => {
      if (!isFloat32Array(l.kernel) || !isFloat32Array(l.bias))
        throw new Error(`layer ${i}: kernel and bias must be Float32Arrays`);
      if (l.kernel.length !== l.inputs * l.units || l.bias.length !== l.units)
        throw new Error(`layer ${i}: weights do not match ${l.inputs} inputs × ${l.units} units`);
      if (i > 0 && l.inputs !== layers[i - 1].units)
        throw new Error(
          `layer ${i} takes ${l.inputs} values; layer ${i - 1} gives ${layers[i - 1].units}`,
        );
      if (!ACTIVATIONS[l.activation])
        throw new Error(`layer ${i}: unknown activation "${l.activation}"`);
    });
    const size = shape.reduce((a, b) => a * b, 1);
    if (layers.at(-1)!.units !== size)
      throw new Error(
        `the last layer gives ${layers.at(-1)!.units} values; [${shape.join(', ')}] holds ${size}`,
      );
    this.layers = layers;
    this.output = output;
    this.shape = [...shape];
    this.latentDim = layers[0].inputs;
    this.outputSize = size;
    this.macs = layers.reduce((sum, l) => sum + l.inputs * l.units, 0);
  }

  /** Images in [0, 1], row-major n × outputSize, for latent vectors z (row-major n × latentDim). */
  decode(z: ArrayLike<number>, n = 1): Float32Array {
    if (!Number.isInteger(n) || n < 1 || z.length !== n * this.latentDim)
      throw new Error(`z holds ${z.length} values, not ${n} × ${this.latentDim}`);
    let x: ArrayLike<number> = z;
    for (const layer of this.layers) x = dense(layer, x, n);
    const y = x as Float64Array;
    const out = new Float32Array(y.length);
    if (this.output === 'logits') {
      for (let i = 0; i < y.length; i++) out[i] = 1 / (1 + Math.exp(-y[i]));
    } else {
      for (let i = 0; i < y.length; i++) out[i] = Math.min(1 - EPS, Math.max(EPS, y[i]));
    }
    return out;
  }
}

/**
 * activation(x · kernel + bias) for n rows. Loops run input-major: each kernel row is read once
 * for all n rows, and inputs that are exactly zero (half of a ReLU layer's) are skipped.
 */
function dense(layer: DenseLayer, x: ArrayLike<number>, n: number): Float64Array {
  const { kernel, bias, inputs, units } = layer;
  const y = new Float64Array(n * units);
  for (let r = 0; r < n; r++) {
    const o = r * units;
    for (let j = 0; j < units; j++) y[o + j] = bias[j];
  }
  for (let i = 0; i < inputs; i++) {
    const k = i * units;
    for (let r = 0; r < n; r++) {
      const xi = x[r * inputs + i];
      if (xi === 0) continue;
      const o = r * units;
      for (let j = 0; j < units; j++) y[o + j] += xi * kernel[k + j];
    }
  }
  activate(y, layer.activation);
  return y;
}

/**
 * Decodes n latents in slices of at most `budget` multiply-adds, letting the page breathe
 * (`pause`) between slices: a strip of 150 previews does not freeze a drag for 100 ms.
 */
export async function decodeSliced(
  decoder: MlpDecoder,
  z: Float32Array,
  n: number,
  pause: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 0)),
  budget = 4_000_000,
): Promise<Float32Array> {
  const per = Math.max(1, Math.floor(budget / Math.max(1, decoder.macs)));
  if (n <= per) return decoder.decode(z, n);
  const d = decoder.latentDim;
  const size = decoder.outputSize;
  const out = new Float32Array(n * size);
  for (let start = 0; start < n; start += per) {
    if (start > 0) await pause();
    const m = Math.min(per, n - start);
    out.set(decoder.decode(z.subarray(start * d, (start + m) * d), m), start * size);
  }
  return out;
}
