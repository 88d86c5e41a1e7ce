import { tf } from '../tf';
import type { NetConfig } from '../../shared/config';

const init = (seed: number) => tf.initializers.glorotUniform({ seed });

function checkDivisible(shape: number[], stages: number): void {
  const factor = 2 ** stages;
  if (shape.length !== 3 || shape[0] % factor !== 0 || shape[1] % factor !== 0) {
    throw new Error(
      `a conv net with ${stages} stride-2 stages needs an image [h, w, c] with h and w divisible by ${factor}; got [${shape.join(', ')}]`,
    );
  }
}

/** Encoder: stride-2 4×4 convolutions → dense ReLU → linear head. Input is the flat image. */
export function convEncoder(
  inputShape: number[],
  headSize: number,
  net: NetConfig,
  seed: number,
): tf.Sequential {
  checkDivisible(inputShape, net.channels.length);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const model = tf.sequential({ name: 'encoder' });
  model.add(tf.layers.reshape({ targetShape: inputShape, inputShape: [size], name: 'enc_image' }));
  net.channels.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        filters,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        name: `enc_conv_${i}`,
        kernelInitializer: init(seed + i),
      }),
    );
  });
  model.add(tf.layers.flatten({ name: 'enc_flatten' }));
  model.add(
    tf.layers.dense({
      units: net.convDense,
      activation: 'relu',
      name: 'enc_dense',
      kernelInitializer: init(seed + 50),
    }),
  );
  model.add(
    tf.layers.dense({ units: headSize, name: 'enc_head', kernelInitializer: init(seed + 100) }),
  );
  return model;
}

/** Decoder: dense → reshape → stride-2 transposed convolutions → flat logits. */
export function convDecoder(
  latentDim: number,
  outputShape: number[],
  net: NetConfig,
  seed: number,
): tf.Sequential {
  checkDivisible(outputShape, net.channels.length);
  const stages = net.channels.length;
  const [h, w, c] = outputShape;
  const base = [h / 2 ** stages, w / 2 ** stages, net.channels[stages - 1]];
  const model = tf.sequential({ name: 'decoder' });
  model.add(
    tf.layers.dense({
      units: net.convDense,
      activation: 'relu',
      inputShape: [latentDim],
      name: 'dec_dense',
      kernelInitializer: init(seed + 200),
    }),
  );
  model.add(
    tf.layers.dense({
      units: base[0] * base[1] * base[2],
      activation: 'relu',
      name: 'dec_project',
      kernelInitializer: init(seed + 201),
    }),
  );
  model.add(tf.layers.reshape({ targetShape: base, name: 'dec_grid' }));
  const reversed = [...net.channels].reverse();
  reversed.forEach((_, i) => {
    const last = i === stages - 1;
    model.add(
      tf.layers.conv2dTranspose({
        filters: last ? c : reversed[i + 1],
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        activation: last ? 'linear' : 'relu',
        name: last ? 'dec_logits' : `dec_deconv_${i}`,
        kernelInitializer: init(seed + 210 + i),
      }),
    );
  });
  model.add(tf.layers.flatten({ name: 'dec_flatten' }));
  return model;
}
