import { tf } from '../tf';

type Act = (x: tf.Tensor) => tf.Tensor;

const ACTIVATIONS: Record<string, Act> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  relu6: (x) => tf.relu6(x),
};

interface WeightedLayer {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  trainableWeights: { read(): tf.Tensor }[];
  apply(x: tf.Tensor, kwargs?: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

/**
 * Runs a Sequential model layer by layer for training. Dense and Conv2D go through plain
 * (unfused) ops: tfjs-layers uses fused matMul/conv2d whose built-in gradients call the slow
 * transposed matMul and the Conv2DBackpropFilter kernel that tfjs-wasm lacks; the plain ops'
 * gradients are the ones fast-gradients.ts registers. Other layers run as they are.
 */
export function forward(model: tf.LayersModel, x: tf.Tensor): tf.Tensor {
  let h = x;
  for (const layer of model.layers as unknown as WeightedLayer[]) {
    const kind = layer.getClassName();
    const config = layer.getConfig();
    const act = ACTIVATIONS[String(config.activation ?? 'linear')];
    if (kind === 'InputLayer') continue;
    if (kind === 'Dense' && act && h.rank === 2) {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
      const y = tf.matMul(h, kernel);
      h = act(bias ? tf.add(y, bias) : y);
    } else if (
      kind === 'Conv2D' &&
      act &&
      config.dataFormat !== 'channelsFirst' &&
      isUnitDilation(config)
    ) {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
      const strides = config.strides as [number, number];
      const y = tf.conv2d(
        h as tf.Tensor4D,
        kernel as tf.Tensor4D,
        strides,
        config.padding as 'same' | 'valid',
      );
      h = act(bias ? tf.add(y, bias) : y);
    } else {
      h = layer.apply(h, { training: true }) as tf.Tensor;
    }
  }
  return h;
}

function isUnitDilation(config: Record<string, unknown>): boolean {
  const d = config.dilationRate;
  return d === undefined || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));
}
