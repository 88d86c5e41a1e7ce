import { tf } from '../tf';

/** Activations a dense stack may use: the ones a page evaluates itself. */
export const STACK_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus'] as const;
export type StackActivation = (typeof STACK_ACTIVATIONS)[number];

/** One Dense layer: y = activation(x · kernel + bias), kernel row-major [inputs, units]. */
export interface DenseStackLayer {
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
  activation: StackActivation;
}

export type DenseStack = { layers: DenseStackLayer[] } | { unsupported: string };

type Layer = tf.layers.Layer;

/** Layers that pass values through unchanged when decoding (inference, not training). */
const IDENTITY_AT_INFERENCE = new Set(['Dropout', 'GaussianNoise', 'GaussianDropout']);
/** Layers that only reshape: values stay in the same row-major order. */
const RESHAPES = new Set(['Flatten', 'Reshape']);

const isActivation = (name: string): name is StackActivation =>
  (STACK_ACTIVATIONS as readonly string[]).includes(name);

/**
 * The layers that compute `model`'s output from its input, first to last, when that is a single
 * chain (each layer takes the previous one's output); nested models are opened up. A reason when
 * it is not (several inputs or outputs, a layer with several inputs: merges, skips).
 */
function chainOf(model: tf.LayersModel): Layer[] | string {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    return `the decoder has ${model.inputs.length} inputs and ${model.outputs.length} outputs`;
  const chain: Layer[] = [];
  let t = model.outputs[0];
  for (let guard = 0; guard < 100_000; guard++) {
    const layer = t.sourceLayer;
    if (layer.getClassName() === 'InputLayer') return chain;
    if (layer instanceof tf.LayersModel) {
      const inner = chainOf(layer);
      if (typeof inner === 'string') return inner;
      chain.unshift(...inner);
    } else {
      chain.unshift(layer);
    }
    if (t.inputs.length !== 1)
      return `layer "${layer.name}" (${layer.getClassName()}) takes ${t.inputs.length} inputs`;
    t = t.inputs[0];
  }
  return 'the decoder graph does not end at its input';
}

/** The values of a float32 weight, copied (a backend may hand out its own storage). */
function values(t: tf.Tensor, what: string): Float32Array | string {
  if (t.dtype !== 'float32') return `${what} is ${t.dtype}, not float32`;
  return new Float32Array(t.dataSync() as Float32Array);
}

/**
 * Reads a decoder as a plain stack of Dense layers — what the MLP nets are (nets/mlp.ts), and
 * many stock decoders — so that it can be evaluated outside TensorFlow.js: its Dense layers in
 * order, with an Activation layer folded into the linear Dense before it, Dropout and noise
 * layers skipped (identities when decoding), and Flatten or Reshape allowed only after the last
 * Dense (they do not move values). Anything else answers `unsupported` with the reason. Weights
 * are read only when the stack has at most `maxWeights` of them.
 */
export function readDenseStack(model: tf.LayersModel, maxWeights = Infinity): DenseStack {
  const unsupported = (reason: string): DenseStack => ({ unsupported: reason });
  const input = model.inputs[0]?.shape;
  if (!input || input.length !== 2)
    return unsupported(`the decoder takes [${input?.join(', ')}], not latent vectors [batch, d]`);
  const chain = chainOf(model);
  if (typeof chain === 'string') return unsupported(chain);

  const planned: {
    kernel: tf.Tensor;
    bias: tf.Tensor | null;
    inputs: number;
    units: number;
    activation: StackActivation;
    name: string;
  }[] = [];
  let reshapedBy: string | null = null;
  let width = input[1];
  for (const layer of chain) {
    const kind = layer.getClassName();
    const config = layer.getConfig() as { activation?: unknown; useBias?: unknown };
    const what = `layer "${layer.name}" (${kind})`;
    if (IDENTITY_AT_INFERENCE.has(kind)) continue;
    if (RESHAPES.has(kind)) {
      reshapedBy ??= what;
      continue;
    }
    const activation = String(config.activation ?? 'linear');
    if (kind === 'Activation') {
      const last = planned.at(-1);
      if (!last || last.activation !== 'linear')
        return unsupported(`${what} does not follow a linear Dense layer`);
      if (!isActivation(activation))
        return unsupported(`${what} uses the "${activation}" activation`);
      last.activation = activation;
      continue;
    }
    if (kind !== 'Dense')
      return unsupported(
        `${what} is not a Dense layer: only a stack of Dense layers decodes outside the engine`,
      );
    if (reshapedBy) return unsupported(`${what} comes after ${reshapedBy}`);
    if (!isActivation(activation))
      return unsupported(`${what} uses the "${activation}" activation`);
    const [kernel, bias] = layer.getWeights();
    if (!kernel || kernel.rank !== 2) return unsupported(`${what} has no 2-D kernel`);
    const [inputs, units] = kernel.shape as [number, number];
    if (inputs !== width)
      return unsupported(`${what} takes ${inputs} values but is given ${width ?? 'unknown'}`);
    const useBias = config.useBias !== false;
    if (useBias && (!bias || bias.size !== units))
      return unsupported(`${what} has no bias of ${units} values`);
    planned.push({
      kernel,
      bias: useBias ? bias : null,
      inputs,
      units,
      activation,
      name: what,
    });
    width = units;
  }
  if (planned.length === 0) return unsupported('the decoder has no Dense layer');
  const total = planned.reduce((sum, l) => sum + l.inputs * l.units + l.units, 0);
  if (total > maxWeights)
    return unsupported(
      `the decoder has ${total.toLocaleString('en-US')} weights; at most ${maxWeights.toLocaleString('en-US')} decode outside the engine`,
    );

  const layers: DenseStackLayer[] = [];
  for (const l of planned) {
    const kernel = values(l.kernel, `the kernel of ${l.name}`);
    const bias = l.bias ? values(l.bias, `the bias of ${l.name}`) : new Float32Array(l.units);
    if (typeof kernel === 'string') return unsupported(kernel);
    if (typeof bias === 'string') return unsupported(bias);
    layers.push({ kernel, bias, inputs: l.inputs, units: l.units, activation: l.activation });
  }
  return { layers };
}
