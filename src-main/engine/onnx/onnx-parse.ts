import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

// onnx-proto is CommonJS: Node's ES module loader offers its `module.exports` only as the default.
const { onnx } = onnxProto;
import type { OutputRange } from '../../shared/onnx-sidecar';

/** Ops that leave the value range alone (what matters here is the range). */
const PASS_THROUGH = new Set([
  'Reshape',
  'Transpose',
  'Flatten',
  'Identity',
  'Squeeze',
  'Unsqueeze',
  'Dropout',
]);

/** Linear ops: their outputs are unbounded, i.e. logits when they end a decoder. */
const LINEAR = new Set(['Gemm', 'MatMul', 'Add', 'Conv', 'ConvTranspose', 'BatchNormalization']);

/**
 * The parsed graph of an ONNX model (protobuf decoding by `onnx-proto`), read before ONNX Runtime
 * sees the bytes: a file that is not a model gets its own message rather than a parser's.
 */
export class ParsedOnnx {
  private constructor(readonly model: Onnx.ModelProto) {}

  static parse(bytes: Uint8Array, file: string): ParsedOnnx {
    let model: Onnx.ModelProto;
    try {
      model = onnx.ModelProto.decode(bytes);
    } catch (err) {
      throw new Error(`${file}: not an ONNX model (${(err as Error).message})`);
    }
    if (!model.graph || (model.graph.node ?? []).length === 0 || !model.irVersion) {
      throw new Error(`${file}: not an ONNX model (no graph of nodes in it)`);
    }
    return new ParsedOnnx(model);
  }

  /** The node that produces `name`, if any. */
  private producer(name: string): Onnx.INodeProto | undefined {
    return (this.model.graph!.node ?? []).find((n) => (n.output ?? []).includes(name));
  }

  /**
   * What the last value-changing op before `output` makes of the values: a Sigmoid gives
   * probabilities, a Tanh [−1, 1], a linear op logits; null when the graph does not say.
   */
  outputRange(output: string): OutputRange | null {
    let node = this.producer(output);
    for (let hops = 0; node && hops < 64; hops++) {
      const op = node.opType ?? '';
      if (op === 'Sigmoid') return 'probs';
      if (op === 'Tanh') return 'tanh';
      if (LINEAR.has(op)) return 'logits';
      if (!PASS_THROUGH.has(op)) return null;
      node = this.producer((node.input ?? [])[0] ?? '');
    }
    return null;
  }
}
