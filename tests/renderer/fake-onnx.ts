import onnxProto from 'onnx-proto';
import type { OnnxDecoder } from '../../src-main/api/records';
import { SIDE } from './fake-api';

// onnx-proto is CommonJS: its `module.exports` is the default export.
const { onnx } = onnxProto;

/**
 * An ONNX decoder graph that computes what the fake engine's `decode` does (`decodeImages`, scale
 * 1): logits z · W with W[0, p] = cos p, W[1, p] = sin p (the other rows zero), one MatMul from
 * `code` [batch, dim] to `logits` [batch, SIDE²], flat, as logits. The page runs it with
 * onnxruntime-web, so the store's page path can be compared with the engine's images.
 */
export function fakeOnnxDecoder(dim: number): OnnxDecoder {
  const size = SIDE * SIDE;
  const weights = new Float32Array(dim * size);
  for (let p = 0; p < size; p++) {
    weights[p] = Math.cos(p);
    if (dim > 1) weights[size + p] = Math.sin(p);
  }
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const tensor = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'latent-atlas tests',
    graph: {
      name: 'fake-decoder',
      node: [{ opType: 'MatMul', name: 'matmul', input: ['code', 'W'], output: ['logits'] }],
      initializer: [
        {
          name: 'W',
          dims: [dim, size],
          dataType: FLOAT,
          rawData: new Uint8Array(weights.buffer),
        },
      ],
      input: [tensor('code', ['batch', dim])],
      output: [tensor('logits', ['batch', size])],
    },
  });
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    latentInput: 'code',
    latentDim: dim,
    fixedBatch: null,
    constants: [],
    output: 'logits',
    layout: 'flat',
    range: 'logits',
    shape: [SIDE, SIDE, 1],
  };
}
