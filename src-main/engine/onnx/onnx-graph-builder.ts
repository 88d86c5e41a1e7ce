import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

// onnx-proto is CommonJS: Node's ES module loader only offers its `module.exports` as the default.
const { onnx } = onnxProto;

/**
 * ONNX graphs as protobuf messages (onnx-proto): nodes, initialisers (weights), inputs and outputs
 * with a dynamic batch axis, encoded as a ModelProto at opset 13 (onnx-export.ts fills them).
 */

const OPSET = 13;
const IR_VERSION = 7;
const PRODUCER = 'latent-atlas';

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

export type Dim = number | 'batch';

/** An attribute of a node (the ones used here): a list of ints or one int. */
export type Attribute = { ints: number[] } | { int: number };

export function attribute(name: string, value: Attribute): Onnx.IAttributeProto {
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  return { name, type: AttributeType.INT, i: value.int };
}

export function valueInfo(name: string, dims: Dim[]): Onnx.IValueInfoProto {
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
export function floatBytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

export function int64Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/** One ONNX graph: float32 inputs with a dynamic batch dimension, weights, nodes, outputs. */
export class OnnxGraphBuilder {
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
