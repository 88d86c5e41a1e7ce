import { readFile } from 'node:fs/promises';
import type { Result } from '../../api/contract';
import { MAX_ONNX_DECODER_BYTES } from '../../api/records';
import type { OnnxModel } from '../../engine/onnx/onnx-model';

/**
 * The answer to `decoderOnnx`: the decoder graph of an ONNX model and how the engine calls it, so
 * a page can run the same graph with onnxruntime-web; or why it cannot.
 */
export async function onnxDecoder(model: OnnxModel): Promise<Result<'decoderOnnx'>> {
  const plan = model.parts.decoder;
  const bytes = new Uint8Array(await readFile(plan.file));
  if (bytes.length > MAX_ONNX_DECODER_BYTES)
    return {
      unsupported: `the decoder is ${(bytes.length / 2 ** 20).toFixed(0)} MB; a page runs at most ${MAX_ONNX_DECODER_BYTES / 2 ** 20} MB`,
    };
  return {
    bytes,
    latentInput: plan.latentInput,
    latentDim: model.latentDim,
    fixedBatch: plan.fixedBatch,
    constants: plan.constants.map((c) => ({
      name: c.name,
      values: Array.from(c.row),
      dims: c.dims,
    })),
    output: plan.output,
    layout: plan.layout,
    range: plan.range,
    shape: model.imageShape,
  };
}
