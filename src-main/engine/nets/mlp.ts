import { tf } from '../tf';
import type { NetConfig } from '../../shared/config';

/** Glorot-uniform kernels seeded per layer, so a model seed fixes every initial weight. */
const init = (seed: number) => tf.initializers.glorotUniform({ seed });

/**
 * ReLU dense layers of `hidden` units, then a linear layer of `output` units, as a Sequential
 * named `name`; hidden layer i is `${prefix}_dense_${i}` with kernel seed `hiddenSeed + i`, the
 * last one `outputName` with seed `outputSeed`.
 */
function denseStack(
  name: string,
  inputSize: number,
  hidden: readonly number[],
  output: number,
  layers: { prefix: string; hiddenSeed: number; outputName: string; outputSeed: number },
): tf.Sequential {
  const model = tf.sequential({ name });
  const inputShape = (i: number) => (i === 0 ? { inputShape: [inputSize] } : {});
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        name: `${layers.prefix}_dense_${i}`,
        kernelInitializer: init(layers.hiddenSeed + i),
        ...inputShape(i),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: output,
      name: layers.outputName,
      kernelInitializer: init(layers.outputSeed),
      ...inputShape(hidden.length),
    }),
  );
  return model;
}

/** Encoder: flattened input → hidden ReLU layers → linear head of the geometry's size. */
export function mlpEncoder(
  inputSize: number,
  headSize: number,
  net: NetConfig,
  seed: number,
): tf.Sequential {
  return denseStack('encoder', inputSize, net.hidden, headSize, {
    prefix: 'enc',
    hiddenSeed: seed,
    outputName: 'enc_head',
    outputSeed: seed + 100,
  });
}

/** Decoder: z → mirrored hidden ReLU layers → linear logits, one per input value. */
export function mlpDecoder(
  latentDim: number,
  outputSize: number,
  net: NetConfig,
  seed: number,
): tf.Sequential {
  return denseStack('decoder', latentDim, [...net.hidden].reverse(), outputSize, {
    prefix: 'dec',
    hiddenSeed: seed + 200,
    outputName: 'dec_logits',
    outputSeed: seed + 300,
  });
}
