import { tf } from '../tf';
import type { NetConfig } from '../config';

/** Glorot-uniform kernels seeded per layer, so a model seed fixes every initial weight. */
const init = (seed: number) => tf.initializers.glorotUniform({ seed });

/** Encoder: flattened input → hidden ReLU layers → linear head of the geometry's size. */
export function mlpEncoder(
  inputSize: number,
  headSize: number,
  net: NetConfig,
  seed: number,
): tf.Sequential {
  const model = tf.sequential({ name: 'encoder' });
  net.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        name: `enc_dense_${i}`,
        kernelInitializer: init(seed + i),
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: headSize,
      name: 'enc_head',
      kernelInitializer: init(seed + 100),
      ...(net.hidden.length === 0 ? { inputShape: [inputSize] } : {}),
    }),
  );
  return model;
}

/** Decoder: z → mirrored hidden ReLU layers → linear logits, one per input value. */
export function mlpDecoder(
  latentDim: number,
  outputSize: number,
  net: NetConfig,
  seed: number,
): tf.Sequential {
  const model = tf.sequential({ name: 'decoder' });
  const hidden = [...net.hidden].reverse();
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        name: `dec_dense_${i}`,
        kernelInitializer: init(seed + 200 + i),
        ...(i === 0 ? { inputShape: [latentDim] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: outputSize,
      name: 'dec_logits',
      kernelInitializer: init(seed + 300),
      ...(hidden.length === 0 ? { inputShape: [latentDim] } : {}),
    }),
  );
  return model;
}
