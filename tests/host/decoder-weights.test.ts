import { afterEach, describe, expect, it } from 'vitest';
import { parseResult } from '../../src-main/api/validate';
import { readDenseStack } from '../../src-main/engine/model/dense-stack';
import { Vae } from '../../src-main/engine/model/model';
import { tf } from '../../src-main/engine/tf';
import { decoderWeights } from '../../src-main/host/inference/decoder-weights';
import { MlpDecoder, decodeSliced } from '../../src-renderer/lib/decoding/mlp-decoder';
import { createRng } from '../../src-renderer/lib/rng';

/**
 * `decoderWeights` (what the inference host answers) read from real engine models, evaluated by
 * the renderer's pure dense decoder, against the engine's own `Vae.decode`: the page must draw
 * the same images the engine would send.
 */

const TOLERANCE = 1e-5;
const made: Vae[] = [];

afterEach(() => {
  for (const vae of made.splice(0)) vae.dispose();
});

function keep(vae: Vae): Vae {
  made.push(vae);
  return vae;
}

/** Gives every weight (biases too: fresh ones are zero) a seeded random value. */
function randomize(model: tf.LayersModel, seed: number, scale = 0.5): void {
  const rng = createRng(seed);
  model.setWeights(
    model.getWeights().map((w) => {
      const values = Float32Array.from({ length: w.size }, () => rng.normal() * scale);
      return tf.tensor(values, w.shape);
    }),
  );
}

function latents(n: number, d: number, seed: number, scale = 1.5): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() * scale);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The page's decoder for `vae`, through the reply the host sends (checked by the contract). */
function pageDecoder(vae: Vae, shape = vae.config.inputShape): MlpDecoder {
  const reply = parseResult('decoderWeights', decoderWeights(vae, shape));
  if ('unsupported' in reply) throw new Error(`unsupported: ${reply.unsupported}`);
  return new MlpDecoder(reply);
}

function stockVae(decoder: tf.LayersModel, output: 'logits' | 'probabilities', shape: number[]) {
  return keep(
    new Vae({
      config: {
        inputShape: shape,
        latent: { kind: 'gaussian', dim: decoder.inputs[0].shape[1]! },
        objective: { kind: 'kl', weight: 1, warmupSteps: 0, freeBits: 0 },
        net: { kind: 'mlp', hidden: [8], channels: [8], convDense: 8 },
        likelihood: 'bernoulli',
        encoder: 'stochastic',
        gaussianSigma: 0.1,
        logVarClamp: [-10, 10],
      },
      encoder: null,
      decoder,
      decoderOutput: output,
    }),
  );
}

describe('decoder weights decoded in the page', () => {
  it('match Vae.decode for a random MLP VAE', async () => {
    const vae = keep(
      Vae.create(
        {
          inputShape: [6, 6, 1],
          latent: { kind: 'gaussian', dim: 5 },
          objective: { kind: 'kl', weight: 1 },
          net: { kind: 'mlp', hidden: [32, 16] },
          likelihood: 'bernoulli',
        },
        3,
      ),
    );
    randomize(vae.decoder, 11);
    const page = pageDecoder(vae);
    expect(page.layers.map((l) => [l.inputs, l.units, l.activation])).toEqual([
      [5, 16, 'relu'],
      [16, 32, 'relu'],
      [32, 36, 'linear'],
    ]);
    expect(page.shape).toEqual([6, 6, 1]);

    const n = 9;
    const z = latents(n, 5, 1);
    const engine = vae.decode(z, n);
    expect(maxDifference(page.decode(z, n), engine)).toBeLessThan(TOLERANCE);
    // One row at a time (a slider drag), and in slices (the strips): the same images.
    for (let r = 0; r < n; r++) {
      const row = page.decode(z.subarray(r * 5, (r + 1) * 5));
      expect(maxDifference(row, engine.subarray(r * 36, (r + 1) * 36))).toBeLessThan(TOLERANCE);
    }
    const sliced = await decodeSliced(page, z, n, async () => {}, page.macs * 2);
    expect(maxDifference(sliced, engine)).toBeLessThan(TOLERANCE);
  });

  it('match Vae.decode for the reference net (784-512-16)', () => {
    const vae = keep(
      Vae.create(
        {
          inputShape: [28, 28, 1],
          latent: { kind: 'gaussian', dim: 16 },
          objective: { kind: 'kl', weight: 1 },
          net: { kind: 'mlp', hidden: [512] },
          likelihood: 'bernoulli',
        },
        1,
      ),
    );
    randomize(vae.decoder, 5, 0.1);
    const page = pageDecoder(vae);
    expect(page.macs).toBe(16 * 512 + 512 * 784);
    const z = latents(4, 16, 2);
    expect(maxDifference(page.decode(z, 4), vae.decode(z, 4))).toBeLessThan(TOLERANCE);
  });

  it('match a stock decoder: every activation, an Activation layer, Dropout, no bias, Reshape', () => {
    const decoder = tf.sequential({
      layers: [
        tf.layers.dense({ units: 12, activation: 'tanh', inputShape: [3] }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 10, activation: 'elu' }),
        tf.layers.dense({ units: 8, activation: 'softplus', useBias: false }),
        tf.layers.dense({ units: 7, activation: 'relu' }),
        tf.layers.dense({ units: 9 }),
        tf.layers.activation({ activation: 'sigmoid' }),
        tf.layers.reshape({ targetShape: [3, 3, 1] }),
      ],
    });
    randomize(decoder, 7, 0.8);
    const vae = stockVae(decoder, 'probabilities', [3, 3, 1]);
    const page = pageDecoder(vae);
    expect(page.layers.map((l) => l.activation)).toEqual([
      'tanh',
      'elu',
      'softplus',
      'relu',
      'sigmoid',
    ]);
    expect(page.output).toBe('probabilities');
    const z = latents(16, 3, 3, 3);
    expect(maxDifference(page.decode(z, 16), vae.decode(z, 16))).toBeLessThan(TOLERANCE);
  });

  it('match a functional decoder whose layers form one chain, with a nested model', () => {
    const input = tf.input({ shape: [4] });
    const inner = tf.sequential({
      layers: [tf.layers.dense({ units: 6, activation: 'relu', inputShape: [5] })],
    });
    const h = tf.layers.dense({ units: 5, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: 4 })
      .apply(inner.apply(h) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const decoder = tf.model({ inputs: input, outputs: out });
    randomize(decoder, 9);
    const vae = stockVae(decoder, 'logits', [2, 2, 1]);
    const page = pageDecoder(vae);
    expect(page.layers.map((l) => l.units)).toEqual([5, 6, 4]);
    const z = latents(5, 4, 4);
    expect(maxDifference(page.decode(z, 5), vae.decode(z, 5))).toBeLessThan(TOLERANCE);
  });

  it('answers `unsupported`, with the reason, for anything but a stack of Dense layers', () => {
    const conv = keep(
      Vae.create({
        inputShape: [8, 8, 1],
        latent: { kind: 'gaussian', dim: 2 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'conv', channels: [4], convDense: 8 },
        likelihood: 'bernoulli',
      }),
    );
    const convReply = decoderWeights(conv, [8, 8, 1]);
    expect(convReply).toEqual({ unsupported: expect.stringMatching(/Conv2DTranspose|Conv2D/) });
    expect(() => parseResult('decoderWeights', convReply)).not.toThrow();

    const input = tf.input({ shape: [2] });
    const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
    const skip = tf.model({
      inputs: input,
      outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor,
    });
    expect(readDenseStack(skip)).toEqual({
      unsupported: expect.stringContaining('takes 2 inputs'),
    });

    const swish = tf.sequential({
      layers: [tf.layers.dense({ units: 4, activation: 'swish', inputShape: [2] })],
    });
    expect(readDenseStack(swish)).toEqual({
      unsupported: expect.stringContaining('uses the "swish" activation'),
    });

    const afterReshape = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [2] }),
        tf.layers.reshape({ targetShape: [2, 2] }),
        tf.layers.dense({ units: 3 }),
      ],
    });
    expect(readDenseStack(afterReshape)).toEqual({
      unsupported: expect.stringContaining('comes after layer'),
    });

    const big = tf.sequential({
      layers: [tf.layers.dense({ units: 100, inputShape: [20] })],
    });
    expect(readDenseStack(big, 2000)).toEqual({
      unsupported: 'the decoder has 2,100 weights; at most 2,000 decode outside the engine',
    });
    for (const m of [skip, swish, afterReshape, big]) m.dispose();
  });

  it('reads the weights as copies, not views of the backend', () => {
    const decoder = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [2], activation: 'sigmoid' })],
    });
    const stack = readDenseStack(decoder);
    if ('unsupported' in stack) throw new Error(stack.unsupported);
    stack.layers[0].kernel.fill(42);
    expect(Array.from(decoder.getWeights()[0].dataSync())).not.toContain(42);
    expect(stack.layers[0].kernel.buffer.byteLength).toBe(8 * 4);
    decoder.dispose();
  });
});
