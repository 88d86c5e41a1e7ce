import type { Result } from '../../api/contract';
import { MAX_DECODER_WEIGHTS, MAX_DENSE_LAYERS } from '../../api/records';
import { readDenseStack } from '../../engine/model/dense-stack';
import type { Vae } from '../../engine/model/model';

/**
 * The answer to `decoderWeights`: the decoder of `vae` as a stack of Dense layers a page can
 * evaluate, emitting images of `shape` (the shape `decode` answers with), or why it cannot be.
 */
export function decoderWeights(vae: Vae, shape: number[]): Result<'decoderWeights'> {
  const stack = readDenseStack(vae.decoder, MAX_DECODER_WEIGHTS);
  if ('unsupported' in stack) return stack;
  const { layers } = stack;
  if (layers.length > MAX_DENSE_LAYERS)
    return {
      unsupported: `the decoder has ${layers.length} Dense layers; at most ${MAX_DENSE_LAYERS}`,
    };
  if (layers[0].inputs !== vae.latentDim)
    return {
      unsupported: `the decoder takes ${layers[0].inputs} values, but the latent has ${vae.latentDim} dimensions`,
    };
  const size = shape.reduce((a, b) => a * b, 1);
  const units = layers.at(-1)!.units;
  if (units !== size || size !== vae.inputSize)
    return {
      unsupported: `the decoder emits ${units} values, but its images [${shape.join(', ')}] hold ${size}`,
    };
  return { layers, output: vae.decoderOutput, shape };
}
