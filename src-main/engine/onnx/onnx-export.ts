import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { tf } from '../tf';
import type { Vae } from '../model/model';
import { geometryDescriptor } from '../latent/registry';

// onnx-proto is CommonJS: Node's ES module loader only offers its `module.exports` as the default.
const { onnx } = onnxProto;

/**
 * `latent-atlas export --format onnx`: a model's TensorFlow.js nets as ONNX graphs that ONNX
 * Runtime (or PyTorch users) can run, built from the layers' weights as protobuf messages
 * (onnx-proto). First the graph builder and the layer translation, then the export itself: the
 * files, their conventions (PyTorch's: NCHW images, probabilities out) and atlas.json.
 *
 * TensorFlow.js works in NHWC and flattens images in (h, w, c) order; ONNX convolutions take NCHW.
 * Each tensor in the graph (a Flow) remembers the tfjs shape it stands for and the ONNX values
 * that already hold its data, flat, NHWC or NCHW; a layer asks for the layout it needs and gets a
 * Transpose or Reshape only when none of those fits. So Flatten and Reshape keep tfjs' order
 * exactly, and the NCHW image goes into and comes out of a conv stack as it is: the one Transpose
 * is where a Dense layer meets the convolutions.
 */

const OPSET = 13;
const IR_VERSION = 7;
const PRODUCER = 'latent-atlas';

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

type Dim = number | 'batch';

/** An attribute of a node (the ones used here): a list of ints or one int. */
type Attribute = { ints: number[] } | { int: number };

function attribute(name: string, value: Attribute): Onnx.IAttributeProto {
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  return { name, type: AttributeType.INT, i: value.int };
}

function valueInfo(name: string, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (d === 'batch' ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  };
}

/** Little-endian bytes, as ONNX's raw_data wants them whatever the machine's byte order. */
function floatBytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function int64Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/** One ONNX graph: float32 inputs with a dynamic batch dimension, weights, nodes, outputs. */
class OnnxGraphBuilder {
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly initializers: Onnx.ITensorProto[] = [];
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();

  /** `reserved`: the graph's input and output names, which no other value or node may take. */
  constructor(
    readonly name: string,
    private readonly reserved: string[],
  ) {
    for (const r of reserved) this.names.add(r);
  }

  /** `base`, or `base_1`, `base_2`, … when taken: every value and node name is unique. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  input(name: string, dims: Dim[]): string {
    this.inputs.push(valueInfo(this.exact(name), dims));
    return name;
  }

  /** A reserved name, used once. */
  private exact(name: string): string {
    if (!this.reserved.includes(name))
      throw new Error(`${name} is not one of this graph's inputs or outputs`);
    this.reserved.splice(this.reserved.indexOf(name), 1);
    return name;
  }

  /** Declares the value `name` (made by `node(…, name)`) an output of the graph. */
  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  floats(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: floatBytes(values) });
    return name;
  }

  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    const dims = [values.length];
    this.initializers.push({ name, dims, dataType: DataType.INT64, rawData: int64Bytes(values) });
    return name;
  }

  /** A float scalar (a 0-d tensor), as Clip's bounds are given. */
  scalar(base: string, value: number): string {
    const name = this.fresh(base);
    this.initializers.push({
      name,
      dims: [],
      dataType: DataType.FLOAT,
      rawData: floatBytes([value]),
    });
    return name;
  }

  /** Adds a node; returns its output's name (`output`, when given, names it exactly). */
  node(
    op: string,
    inputs: string[],
    attributes: Record<string, Attribute> = {},
    options: { name?: string; output?: string } = {},
  ): string {
    const output = options.output
      ? this.exact(options.output)
      : this.fresh(`${options.name ?? op}:0`);
    this.nodes.push({
      opType: op,
      name: this.fresh(options.name ?? op),
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** The serialised ModelProto. */
  encode(options: { producerVersion?: string; docString?: string } = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: PRODUCER,
      ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
      graph: {
        name: this.name,
        ...(options.docString ? { docString: options.docString } : {}),
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

type Layout = 'flat' | 'nhwc' | 'nchw';
type Image = [number, number, number];

/**
 * A tensor in the graph: the tfjs shape it stands for (batch left out), and the ONNX values that
 * hold its data: `flat` [N, size], or `nhwc`/`nchw` laid out as the image `image` [h, w, c].
 */
interface Flow {
  shape: number[];
  image?: Image;
  values: Partial<Record<Layout, string>>;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const sameImage = (a: Image | undefined, b: Image) =>
  a !== undefined && a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** A layer's problem, to be reported with the part and the layer's name and class. */
class Refusal extends Error {}

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
function layerChain(model: tf.LayersModel, part: string): tf.layers.Layer[] {
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
class LayerTranslator {
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

// ---------------------------------------------------------------------------------------------
// The export: decoder.onnx, encoder.onnx and atlas.json, in PyTorch's conventions.

export const DECODER_FILE = 'decoder.onnx';
export const ENCODER_FILE = 'encoder.onnx';
export const SIDECAR_FILE = 'atlas.json';

/** atlas.json: what the ONNX files cannot say themselves. */
export interface AtlasSidecar {
  /** What the codes are compared with: N(0, I) or the uniform sphere (the geometry's own say). */
  prior: 'gaussian' | 'sphere';
  output: 'probs';
  layout: 'nchw';
  /** One image, `HxWxC`. */
  inputSize: string;
  latentDim: number;
  exportedFrom: {
    name: string;
    /** `atlas`: a Latent Atlas checkpoint; `stock`: a TensorFlow.js layers model folder. */
    format: 'atlas' | 'stock';
    geometry: string;
    /** Unknown (null) for stock models, which carry no training settings. */
    objective: string | null;
    net: string | null;
    likelihood: string | null;
    decoderOutput: 'logits' | 'probabilities';
  };
}

export interface OnnxExportOptions {
  /** The model's name and format, and the files its nets came from (for error messages). */
  source: {
    name: string;
    format: 'atlas' | 'stock';
    dir?: string;
    files?: { encoder?: string; decoder?: string };
  };
  /** Replace a non-empty `dir`. */
  force?: boolean;
  producerVersion?: string;
}

export interface OnnxExportResult {
  dir: string;
  files: string[];
  /** encoder.onnx's outputs, or null with the reason there is no encoder.onnx. */
  encoderOutputs: string[] | null;
  encoderSkipped: string | null;
  sidecar: AtlasSidecar;
}

type Head =
  | { kind: 'gaussian'; clamp: [number, number] }
  | { kind: 'direction' }
  | { kind: 'none'; reason: string };

/** The image [h, w, c] an item is: [h, w] is gray, a vector [d] one row of d gray pixels. */
function imageOf(shape: readonly number[]): Image {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [shape[0], shape[1], 1];
  return [1, shape[0], 1];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b));

/**
 * What the geometry makes of its encoder head, found by asking it: a probe head (values inside
 * and beyond the log-variance clamp) goes through `posterior`, and the answer must be exactly a
 * split [mean, log-variance clipped to config.logVarClamp] (the Gaussian, the mixture) or a
 * direction h₁…h_d/‖h₁…h_d‖ followed by a concentration (vMF, Power Spherical). Any geometry
 * registered later is judged the same way, not by its name.
 */
function headOf(vae: Vae): Head {
  const d = vae.latentDim;
  const width = vae.geometry.headSize;
  const clamp: [number, number] = [vae.config.logVarClamp[0], vae.config.logVarClamp[1]];
  const probe = Float32Array.from({ length: 2 * width }, (_, i) =>
    i < width
      ? ((i % 7) - 3) * 0.31 + 0.05
      : i % 2
        ? clamp[1] + 1 + (i % 3)
        : clamp[0] - 1 - (i % 3),
  );
  const answer: { mean?: Float32Array; logVar?: Float32Array } = {};
  tf.tidy(() => {
    const posterior = vae.geometry.posterior(tf.tensor2d(probe, [2, width]));
    answer.mean = Float32Array.from(posterior.mean.dataSync());
    const lv = (posterior as { logVar?: unknown }).logVar;
    if (lv instanceof tf.Tensor) answer.logVar = Float32Array.from(lv.dataSync());
  });
  const mean = answer.mean ?? null;
  const logVar = answer.logVar ?? null;
  const rows = [0, 1];
  const at = (r: number, j: number) => probe[r * width + j];
  const fits = (values: Float32Array | null, expected: (r: number, j: number) => number) =>
    values !== null &&
    values.length === 2 * d &&
    rows.every((r) =>
      Array.from({ length: d }, (_, j) => j).every((j) => close(values[r * d + j], expected(r, j))),
    );
  const lo = Math.fround(clamp[0]);
  const hi = Math.fround(clamp[1]);
  if (
    width === 2 * d &&
    fits(mean, at) &&
    fits(logVar, (r, j) => Math.min(Math.max(at(r, d + j), lo), hi))
  )
    return { kind: 'gaussian', clamp };
  const norms = rows.map((r) =>
    Math.sqrt(
      Array.from({ length: d }, (_, j) => at(r, j) ** 2).reduce((a, b) => a + b, 0) + 1e-12,
    ),
  );
  if (width === d + 1 && fits(mean, (r, j) => at(r, j) / norms[r])) return { kind: 'direction' };
  return {
    kind: 'none',
    reason: `the ${vae.config.latent.kind} geometry's encoder head (${width} values for d = ${d}) is neither [mean, log-variance] nor [mean direction, concentration]`,
  };
}

/** The decoder: z [N, d] → image [N, C, H, W], probabilities in [0, 1]. */
function decoderGraph(vae: Vae): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder('decoder', ['z', 'image']);
  const d = vae.latentDim;
  const [h, w, c] = imageOf(vae.config.inputShape);
  const t = new LayerTranslator(g, 'decoder');
  const input = vae.decoder.inputs[0].shape.slice(1);
  if (input.length !== 1 || input[0] !== d)
    throw new Error(`the decoder takes [${input.join(', ')}], not latent vectors [${d}]`);
  const z = g.input('z', ['batch', d]);
  const flow = t.run(layerChain(vae.decoder, 'decoder'), { shape: [d], values: { flat: z } });
  if (sizeOf(flow.shape) !== vae.inputSize)
    throw new Error(
      `the decoder emits ${sizeOf(flow.shape)} values per item, the model's items have ${vae.inputSize}`,
    );
  const x = t.nchw(flow, [h, w, c]);
  // The engine decodes to sigmoid(logits); a stock decoder that ends in a sigmoid already has.
  if (vae.decoderOutput === 'logits')
    g.node('Sigmoid', [x], {}, { name: 'probabilities', output: 'image' });
  else g.node('Identity', [x], {}, { name: 'probabilities', output: 'image' });
  g.output('image', ['batch', c, h, w]);
  return g;
}

/** The encoder: image [N, C, H, W] in [0, 1] → the posterior's mean (and log-variance). */
function encoderGraph(
  vae: Vae,
  encoder: tf.LayersModel,
  head: Exclude<Head, { kind: 'none' }>,
): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder('encoder', ['image', 'mean', 'log_variance']);
  const d = vae.latentDim;
  const image = imageOf(vae.config.inputShape);
  const [h, w, c] = image;
  const t = new LayerTranslator(g, 'encoder');
  const input = encoder.inputs[0].shape.slice(1) as number[];
  if (sizeOf(input) !== vae.inputSize)
    throw new Error(
      `the encoder takes [${input.join(', ')}], not items of ${vae.inputSize} values`,
    );
  const x = g.input('image', ['batch', c, h, w]);
  const flow = t.run(layerChain(encoder, 'encoder'), { shape: input, image, values: { nchw: x } });
  const width = vae.geometry.headSize;
  if (flow.shape.length !== 1 || flow.shape[0] !== width)
    throw new Error(
      `the encoder emits [${flow.shape.join(', ')}], not the geometry's head of ${width} values`,
    );
  const out = t.flat(flow);
  const slice = (from: number, to: number, name: string, output?: string) =>
    g.node(
      'Slice',
      [
        out,
        g.int64s(`${name}/starts`, [from]),
        g.int64s(`${name}/ends`, [to]),
        g.int64s(`${name}/axes`, [1]),
      ],
      {},
      { name, ...(output ? { output } : {}) },
    );
  if (head.kind === 'gaussian') {
    slice(0, d, 'head_mean', 'mean');
    const logVar = slice(d, 2 * d, 'head_log_variance');
    // The engine clips the log-variance where it reads the head (diagonalGaussianHead).
    g.node(
      'Clip',
      [
        logVar,
        g.scalar('log_variance/min', head.clamp[0]),
        g.scalar('log_variance/max', head.clamp[1]),
      ],
      {},
      { name: 'log_variance_clamp', output: 'log_variance' },
    );
    g.output('mean', ['batch', d]);
    g.output('log_variance', ['batch', d]);
  } else {
    // μ = h/√(‖h‖² + 1e-12), as sphere.ts' normalizeRows; the concentration is left out.
    const direction = slice(0, d, 'head_direction');
    const squares = g.node('ReduceSumSquare', [direction], {
      axes: { ints: [1] },
      keepdims: { int: 1 },
    });
    const norm = g.node('Sqrt', [g.node('Add', [squares, g.scalar('epsilon', 1e-12)])]);
    g.node('Div', [direction, norm], {}, { name: 'normalize', output: 'mean' });
    g.output('mean', ['batch', d]);
  }
  return g;
}

function sidecarOf(vae: Vae, source: OnnxExportOptions['source']): AtlasSidecar {
  const [h, w, c] = imageOf(vae.config.inputShape);
  const atlas = source.format === 'atlas';
  return {
    prior: geometryDescriptor(vae.config.latent.kind).coverage.prior,
    output: 'probs',
    layout: 'nchw',
    inputSize: `${h}x${w}x${c}`,
    latentDim: vae.latentDim,
    exportedFrom: {
      name: source.name,
      format: source.format,
      geometry: vae.config.latent.kind,
      objective: atlas ? vae.config.objective.kind : null,
      net: atlas ? vae.config.net.kind : null,
      likelihood: atlas ? vae.config.likelihood : null,
      decoderOutput: vae.decoderOutput,
    },
  };
}

/** Prefixes a net's error with the file it came from. */
function inFile<T>(file: string | undefined, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (file && err instanceof Error) err.message = `${file}: ${err.message}`;
    throw err;
  }
}

/**
 * Refuses a `dir` that is a file, that holds the model being exported (`source`), or that is not
 * empty unless `force`.
 */
export async function checkExportTarget(
  dir: string,
  options: { force?: boolean; source?: string } = {},
): Promise<void> {
  dir = path.resolve(dir);
  if (options.source) {
    const inside = path.relative(dir, path.resolve(options.source));
    if (!inside.startsWith('..') && !path.isAbsolute(inside))
      throw new Error(`${dir}: holds the model being exported; export to another directory`);
  }
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error(`${dir}: exists and is not a directory`);
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (entries.length > 0 && !options.force)
    throw new Error(`${dir}: not empty; pass --force to replace it`);
}

async function writeSynced(file: string, content: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `files` into a sibling of `dir`, then swaps it in: `dir` is never half written. */
async function writeDirectory(
  dir: string,
  files: Map<string, Uint8Array | string>,
  check: () => Promise<void>,
): Promise<void> {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = path.join(parent, `${base}.exporting-${stamp}`);
  await mkdir(parent, { recursive: true });
  try {
    await mkdir(tmp);
    for (const [name, content] of files) await writeSynced(path.join(tmp, name), content);
    await check(); // again: something may have appeared in `dir` meanwhile
    if (!existsSync(dir)) return await rename(tmp, dir);
    const old = path.join(parent, `${base}.replaced-${stamp}`);
    await rename(dir, old);
    try {
      await rename(tmp, dir);
    } catch (err) {
      await rename(old, dir);
      throw err;
    }
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Writes `vae` to `dir` as ONNX (opset 13): `decoder.onnx` (z [N, d] → image [N, C, H, W] in
 * [0, 1]), `encoder.onnx` when the model has an encoder whose head is [mean, log-variance]
 * (outputs `mean`, `log_variance`) or [direction, concentration] (output `mean`, the unit mean
 * direction), and `atlas.json`. Every graph is built before anything is written; a layer that has
 * no ONNX translation is an error naming it.
 */
export async function exportOnnx(
  vae: Vae,
  dir: string,
  options: OnnxExportOptions,
): Promise<OnnxExportResult> {
  dir = path.resolve(dir);
  const check = () => checkExportTarget(dir, { force: options.force, source: options.source.dir });
  await check();
  const { files: from = {} } = options.source;
  const encode = (g: OnnxGraphBuilder, doc: string) =>
    g.encode({
      docString: doc,
      ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
    });
  const [h, w, c] = imageOf(vae.config.inputShape);
  const d = vae.latentDim;
  const files = new Map<string, Uint8Array | string>();
  files.set(
    DECODER_FILE,
    inFile(from.decoder, () =>
      encode(
        decoderGraph(vae),
        `z [batch, ${d}] → image [batch, ${c}, ${h}, ${w}], probabilities in [0, 1]`,
      ),
    ),
  );
  const head: Head = vae.encoder
    ? headOf(vae)
    : { kind: 'none', reason: 'the model has no encoder' };
  let encoderOutputs: string[] | null = null;
  if (vae.encoder && head.kind !== 'none') {
    const encoder = vae.encoder;
    encoderOutputs = head.kind === 'gaussian' ? ['mean', 'log_variance'] : ['mean'];
    files.set(
      ENCODER_FILE,
      inFile(from.encoder, () =>
        encode(
          encoderGraph(vae, encoder, head),
          `image [batch, ${c}, ${h}, ${w}] in [0, 1] → ${encoderOutputs!.join(', ')} [batch, ${d}]`,
        ),
      ),
    );
  }
  const sidecar = sidecarOf(vae, options.source);
  files.set(SIDECAR_FILE, `${JSON.stringify(sidecar, null, 2)}\n`);
  await writeDirectory(dir, files, check);
  return {
    dir,
    files: [...files.keys()],
    encoderOutputs,
    encoderSkipped: head.kind === 'none' ? head.reason : null,
    sidecar,
  };
}
