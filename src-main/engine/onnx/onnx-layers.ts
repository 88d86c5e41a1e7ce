import { tf } from '../tf';
import type { OnnxGraphBuilder, Attribute } from './onnx-graph-builder';

/**
 * TensorFlow.js layers translated into ONNX nodes. TensorFlow.js works in NHWC and flattens images
 * in (h, w, c) order; ONNX convolutions take NCHW. Each tensor in the graph (a Flow) remembers the
 * tfjs shape it stands for and the ONNX values that already hold its data, flat, NHWC or NCHW; a
 * layer asks for the layout it needs and gets a Transpose or Reshape only when none of those fits.
 * So Flatten and Reshape keep tfjs' order exactly, and the NCHW image goes into and comes out of
 * a conv stack as it is: the one Transpose is where a Dense layer meets the convolutions.
 */

export type Layout = 'flat' | 'nhwc' | 'nchw';
export type Image = [number, number, number];

/**
 * A tensor in the graph: the tfjs shape it stands for (batch left out), and the ONNX values that
 * hold its data: `flat` [N, size], or `nhwc`/`nchw` laid out as the image `image` [h, w, c].
 */
export interface Flow {
  shape: number[];
  image?: Image;
  values: Partial<Record<Layout, string>>;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const sameImage = (a: Image | undefined, b: Image) =>
  a !== undefined && a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** A layer's problem, to be reported with the part and the layer's name and class. */
export class Refusal extends Error {}

/** Activations with an exact ONNX counterpart (tfjs' elu has alpha 1, ONNX's default). */
const ACTIVATIONS: Record<
  string,
  ((g: OnnxGraphBuilder, x: string, name: string) => string) | null
> = {
  linear: null,
  relu: (g, x, name) => g.node('Relu', [x], {}, { name }),
  relu6: (g, x, name) =>
    g.node('Clip', [x, g.scalar(`${name}/zero`, 0), g.scalar(`${name}/six`, 6)], {}, { name }),
  sigmoid: (g, x, name) => g.node('Sigmoid', [x], {}, { name }),
  tanh: (g, x, name) => g.node('Tanh', [x], {}, { name }),
  elu: (g, x, name) => g.node('Elu', [x], {}, { name }),
  softplus: (g, x, name) => g.node('Softplus', [x], {}, { name }),
};

/** Layers that pass values through unchanged at inference (export is for inference). */
const IDENTITY = new Set(['InputLayer', 'Dropout', 'GaussianNoise', 'GaussianDropout']);

const SUPPORTED =
  'Dense, Conv2D, Conv2DTranspose, Reshape, Flatten, Activation, Dropout, GaussianNoise and GaussianDropout';

interface LayerConfig {
  activation?: unknown;
  useBias?: unknown;
  strides?: unknown;
  padding?: unknown;
  dataFormat?: unknown;
  dilationRate?: unknown;
  outputPadding?: unknown;
  targetShape?: unknown;
}

function pair(value: unknown, what: string): [number, number] {
  const v = Array.isArray(value) ? value : [value, value];
  const out: [number, number] = [Number(v[0]), Number(v[1] ?? v[0])];
  if (!out.every((n) => Number.isInteger(n) && n >= 1))
    throw new Refusal(`its ${what} ${JSON.stringify(value)} is not a pair of positive integers`);
  return out;
}

/** Copies a float32 weight (a backend may hand out its own storage). */
function weightValues(t: tf.Tensor, what: string): Float32Array {
  if (t.dtype !== 'float32') throw new Refusal(`its ${what} is ${t.dtype}, not float32`);
  return new Float32Array(t.dataSync() as Float32Array);
}

/** A 4-d kernel in tfjs' [kh, kw, a, b] order as ONNX's [b, a, kh, kw]. */
function kernelToOnnx(values: Float32Array, [kh, kw, a, b]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < a; i++)
        for (let o = 0; o < b; o++)
          out[((o * a + i) * kh + y) * kw + x] = values[((y * kw + x) * a + i) * b + o];
  return out;
}

/** Begin and end padding of TensorFlow's 'same': an odd total puts the extra one at the end. */
function samePadding(
  input: number,
  output: number,
  stride: number,
  kernel: number,
): [number, number] {
  const total = Math.max((output - 1) * stride + kernel - input, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** The layers that compute `model`'s output from its input, in order; nested models opened up. */
export function layerChain(model: tf.LayersModel, part: string): tf.layers.Layer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new Error(
      `the ${part} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only a single chain of layers exports to ONNX`,
    );
  const chain: tf.layers.Layer[] = [];
  let t = model.outputs[0];
  for (;;) {
    const layer = t.sourceLayer;
    if (layer.getClassName() === 'InputLayer') return chain;
    if (layer instanceof tf.LayersModel) chain.unshift(...layerChain(layer, part));
    else chain.unshift(layer);
    if (t.inputs.length !== 1)
      throw new Error(
        `${part} layer "${layer.name}" (${layer.getClassName()}) takes ${t.inputs.length} inputs; only a single chain of layers exports to ONNX`,
      );
    t = t.inputs[0];
  }
}

/** Translates tfjs layers into `graph`, one Flow to the next. */
export class LayerTranslator {
  constructor(
    readonly graph: OnnxGraphBuilder,
    private readonly part: string,
  ) {}

  /** The flow's data as [N, size]. */
  flat(flow: Flow): string {
    if (flow.values.flat) return flow.values.flat;
    if (!flow.values.nhwc) {
      const nchw = flow.values.nchw!;
      flow.values.nhwc = this.graph.node('Transpose', [nchw], { perm: { ints: [0, 2, 3, 1] } });
    }
    flow.values.flat = this.graph.node('Flatten', [flow.values.nhwc], { axis: { int: 1 } });
    return flow.values.flat;
  }

  /** The flow's data as the NCHW image [N, c, h, w] of `image` [h, w, c]. */
  nchw(flow: Flow, image: Image): string {
    if (!sameImage(flow.image, image)) {
      const flat = this.flat(flow);
      flow.image = image;
      flow.values = { flat };
    }
    if (flow.values.nchw) return flow.values.nchw;
    if (!flow.values.nhwc) {
      const shape = this.graph.int64s('image_shape', [-1, ...image]);
      flow.values.nhwc = this.graph.node('Reshape', [flow.values.flat!, shape]);
    }
    flow.values.nchw = this.graph.node('Transpose', [flow.values.nhwc], {
      perm: { ints: [0, 3, 1, 2] },
    });
    return flow.values.nchw;
  }

  /** Runs every layer of the chain; errors name the part, the layer and its class. */
  run(layers: tf.layers.Layer[], flow: Flow): Flow {
    for (const layer of layers) {
      try {
        flow = this.layer(layer, flow);
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        throw new Error(
          `${this.part} layer "${layer.name}" (${layer.getClassName()}) does not export to ONNX: ${err.message}`,
        );
      }
    }
    return flow;
  }

  private layer(layer: tf.layers.Layer, flow: Flow): Flow {
    const kind = layer.getClassName();
    const config = layer.getConfig() as LayerConfig;
    if (IDENTITY.has(kind)) return flow;
    if (kind === 'Flatten') return { ...flow, shape: [sizeOf(flow.shape)] };
    if (kind === 'Reshape') return { ...flow, shape: this.reshape(config.targetShape, flow.shape) };
    if (kind === 'Activation') return this.activate(flow, config.activation, layer.name);
    if (kind === 'Dense')
      return this.activate(this.dense(layer, config, flow), config.activation, layer.name);
    if (kind === 'Conv2D' || kind === 'Conv2DTranspose')
      return this.activate(
        this.convolution(layer, config, flow, kind === 'Conv2DTranspose'),
        config.activation,
        layer.name,
      );
    throw new Refusal(`only ${SUPPORTED} layers export`);
  }

  private reshape(target: unknown, shape: number[]): number[] {
    if (!Array.isArray(target)) throw new Refusal('it has no target shape');
    const size = sizeOf(shape);
    const known = target.filter((d) => d !== -1 && d !== null).reduce((a, b) => a * Number(b), 1);
    const out = target.map((d) => (d === -1 || d === null ? size / known : Number(d)));
    if (sizeOf(out) !== size || !out.every((d) => Number.isInteger(d) && d >= 1))
      throw new Refusal(`it reshapes [${shape.join(', ')}] to [${target.join(', ')}]`);
    return out;
  }

  private activate(flow: Flow, activation: unknown, name: string): Flow {
    const key = String(activation ?? 'linear');
    if (!(key in ACTIVATIONS))
      throw new Refusal(
        `its "${key}" activation is not one that exports (${Object.keys(ACTIVATIONS).join(', ')})`,
      );
    const op = ACTIVATIONS[key];
    if (!op) return flow;
    // Elementwise: any one layout will do; keep the one a convolution or Dense would want next.
    const layout = (['nchw', 'flat', 'nhwc'] as const).find((l) => flow.values[l])!;
    const out = op(this.graph, flow.values[layout]!, `${name}/${key}`);
    return { shape: flow.shape, image: flow.image, values: { [layout]: out } };
  }

  private weights(layer: tf.layers.Layer, config: LayerConfig, rank: number) {
    const [kernel, bias] = layer.getWeights();
    if (!kernel || kernel.rank !== rank) throw new Refusal(`it has no ${rank}-d kernel`);
    const units = kernel.shape[rank - (layer.getClassName() === 'Conv2DTranspose' ? 2 : 1)];
    const useBias = config.useBias !== false;
    if (useBias && (!bias || bias.size !== units))
      throw new Refusal(`it has no bias of ${units} values`);
    return {
      kernel: weightValues(kernel, 'kernel'),
      shape: kernel.shape,
      bias: useBias ? weightValues(bias, 'bias') : null,
    };
  }

  private dense(layer: tf.layers.Layer, config: LayerConfig, flow: Flow): Flow {
    if (flow.shape.length !== 1)
      throw new Refusal(`it is applied to [${flow.shape.join(', ')}]; only flat inputs export`);
    const { kernel, shape, bias } = this.weights(layer, config, 2);
    const [inputs, units] = shape;
    if (inputs !== flow.shape[0])
      throw new Refusal(`it takes ${inputs} values but is given ${flow.shape[0]}`);
    const g = this.graph;
    const w = g.floats(`${layer.name}/kernel`, [inputs, units], kernel);
    const x = this.flat(flow);
    const y = bias
      ? g.node(
          'Gemm',
          [x, w, g.floats(`${layer.name}/bias`, [units], bias)],
          {},
          { name: layer.name },
        )
      : g.node('MatMul', [x, w], {}, { name: layer.name });
    return { shape: [units], values: { flat: y } };
  }

  /**
   * Conv2D and Conv2DTranspose with TensorFlow's padding made explicit. A transposed convolution
   * is the gradient of a convolution in both frameworks (no kernel flip); TensorFlow crops the
   * full output by the 'same' padding of that convolution, and fills any rest (a kernel smaller
   * than its stride) with zeros, which is ONNX's output_padding.
   */
  private convolution(
    layer: tf.layers.Layer,
    config: LayerConfig,
    flow: Flow,
    transposed: boolean,
  ): Flow {
    if (flow.shape.length !== 3)
      throw new Refusal(`it is applied to [${flow.shape.join(', ')}], not an image [h, w, c]`);
    if (config.dataFormat === 'channelsFirst') throw new Refusal('it is channels-first');
    const dilation = pair(config.dilationRate ?? 1, 'dilation rate');
    if (dilation[0] !== 1 || dilation[1] !== 1) throw new Refusal('it is dilated');
    if (config.outputPadding !== undefined && config.outputPadding !== null)
      throw new Refusal('it sets outputPadding');
    const padding = config.padding;
    if (padding !== 'same' && padding !== 'valid')
      throw new Refusal(`its padding is "${String(padding)}"`);
    const strides = pair(config.strides ?? 1, 'strides');
    const { kernel, shape, bias } = this.weights(layer, config, 4);
    const [kh, kw, a, b] = shape;
    const [h, w, c] = flow.shape;
    const inChannels = transposed ? b : a;
    const filters = transposed ? a : b;
    if (inChannels !== c) throw new Refusal(`it takes ${inChannels} channels but is given ${c}`);

    const pads = [0, 0, 0, 0];
    const outputPadding = [0, 0];
    const out = [0, 0];
    [
      [h, kh],
      [w, kw],
    ].forEach(([size, k], axis) => {
      const s = strides[axis];
      if (!transposed) {
        out[axis] = padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
        if (out[axis] < 1)
          throw new Refusal(`its ${k}-wide kernel does not fit an input of ${size}`);
        if (padding === 'same') [pads[axis], pads[axis + 2]] = samePadding(size, out[axis], s, k);
      } else {
        // tfjs-layers' deconvLength; then the padding of the convolution it is the gradient of.
        out[axis] = padding === 'same' ? size * s : size * s + Math.max(k - s, 0);
        if (padding === 'same') [pads[axis], pads[axis + 2]] = samePadding(out[axis], size, s, k);
        const full = s * (size - 1) + k - pads[axis] - pads[axis + 2];
        outputPadding[axis] = out[axis] - full;
        if (outputPadding[axis] < 0 || outputPadding[axis] >= s)
          throw new Refusal(`its output size ${out[axis]} has no ONNX ConvTranspose equivalent`);
      }
    });
    const g = this.graph;
    const inputs = [
      this.nchw(flow, [h, w, c]),
      g.floats(`${layer.name}/kernel`, [b, a, kh, kw], kernelToOnnx(kernel, shape)),
      ...(bias ? [g.floats(`${layer.name}/bias`, [filters], bias)] : []),
    ];
    const attributes: Record<string, Attribute> = {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: strides },
      pads: { ints: pads },
      ...(outputPadding.some((p) => p > 0) ? { output_padding: { ints: outputPadding } } : {}),
    };
    const y = g.node(transposed ? 'ConvTranspose' : 'Conv', inputs, attributes, {
      name: layer.name,
    });
    const image: Image = [out[0], out[1], filters];
    return { shape: image, image, values: { nchw: y } };
  }
}
