import { describe, expect, it } from 'vitest';
import { MlpDecoder, decodeSliced } from '../../../src-renderer/lib/decoding/mlp-decoder';
import type { DenseDecoderWeights } from '../../../src-renderer/lib/decoding/mlp-decoder';

// The match with the engine's own decode is tested in Node (tests/host/decoder-weights.test.ts).

/** z (2) → relu(z · [[1, −1], [2, 0]] + [0.5, 0]) → logits h · [[1, 0, −1], [0, 1, 1]]. */
function tiny(output: 'logits' | 'probabilities' = 'logits'): DenseDecoderWeights {
  return {
    layers: [
      {
        kernel: Float32Array.from([1, -1, 2, 0]),
        bias: Float32Array.from([0.5, 0]),
        inputs: 2,
        units: 2,
        activation: 'relu',
      },
      {
        kernel: Float32Array.from([1, 0, -1, 0, 1, 1]),
        bias: new Float32Array(3),
        inputs: 2,
        units: 3,
        activation: 'linear',
      },
    ],
    output,
    shape: [3],
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('MlpDecoder', () => {
  it('evaluates the stack row-major, kernel [inputs, units], and sigmoids the logits', () => {
    const d = new MlpDecoder(tiny());
    expect([d.latentDim, d.outputSize, d.macs]).toEqual([2, 3, 10]);
    // z = (1, 2): h = relu(1 + 4 + 0.5, −1 + 0) = (5.5, 0); logits (5.5, 0, −5.5).
    // z = (−1, 0): h = relu(−0.5, 1) = (0, 1); logits (0, 1, 1).
    const images = d.decode(Float32Array.from([1, 2, -1, 0]), 2);
    const expected = [5.5, 0, -5.5, 0, 1, 1].map(sigmoid);
    images.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('clamps probabilities as the engine does', () => {
    const d = new MlpDecoder(tiny('probabilities'));
    expect(Array.from(d.decode(Float32Array.from([1, 2])))).toEqual(
      [5.5, 1e-6, 1e-6].map((v) => Math.fround(Math.min(1 - 1e-6, v))),
    );
  });

  it('refuses weights whose sizes do not fit', () => {
    const w = tiny();
    const withLayer = (i: number, change: object) => ({
      ...w,
      layers: w.layers.map((l, k) => (k === i ? { ...l, ...change } : l)),
    });
    expect(() => new MlpDecoder({ ...w, layers: [] })).toThrow('at least one layer');
    expect(() => new MlpDecoder(withLayer(0, { kernel: new Float32Array(3) }))).toThrow(
      'do not match 2 inputs × 2 units',
    );
    expect(() => new MlpDecoder(withLayer(0, { kernel: [1, -1, 2, 0] }))).toThrow('Float32Array');
    expect(() => new MlpDecoder(withLayer(1, { inputs: 3, kernel: new Float32Array(9) }))).toThrow(
      'layer 1 takes 3 values; layer 0 gives 2',
    );
    expect(() => new MlpDecoder(withLayer(1, { activation: 'swish' }))).toThrow('swish');
    expect(() => new MlpDecoder({ ...w, shape: [2, 2] })).toThrow('[2, 2] holds 4');
    expect(() => new MlpDecoder(w).decode(new Float32Array(3), 1)).toThrow('not 1 × 2');
  });

  it('decodes a batch in slices, pausing between them, to the same images', async () => {
    const d = new MlpDecoder(tiny());
    const z = Float32Array.from({ length: 2 * 7 }, (_, i) => Math.sin(i));
    let pauses = 0;
    const sliced = await decodeSliced(d, z, 7, async () => void pauses++, 2 * d.macs);
    expect(pauses).toBe(3);
    expect(sliced).toEqual(d.decode(z, 7));
  });
});
