import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  OnnxPageDecoder,
  type OnnxDecoderGraph,
  type OrtWeb,
} from '../../../src-renderer/lib/decoding/onnx-decoder';

/**
 * The page's ONNX decoder (onnxruntime-web, wasm) on the loader's fixtures: the images the app
 * shows (expected.json, which ONNX Runtime for Node reproduces to 1.3e-7), for every layout, range,
 * a fixed batch and a constant input. Here onnxruntime-web finds its .wasm itself (Node); the page
 * loads it from its own origin (loadOrtWeb).
 */

const FIXTURES = path.resolve(__dirname, '../../fixtures/onnx');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  number[][]
> & { conditionalConstants: { digit: number[] } };

const ort = import('onnxruntime-web/wasm').then((m) => {
  m.env.wasm.numThreads = 1;
  m.env.logLevel = 'error';
  return m as OrtWeb;
});

function graph(file: string, plan: Partial<OnnxDecoderGraph>): OnnxDecoderGraph {
  return {
    bytes: new Uint8Array(readFileSync(path.join(FIXTURES, file))),
    latentInput: 'code',
    latentDim: 4,
    fixedBatch: null,
    constants: [],
    output: 'pixels',
    layout: 'nchw',
    range: 'probs',
    shape: [28, 28, 1],
    ...plan,
  };
}

function worst(actual: Float32Array, rows: number[][]): number {
  const flat = rows.flat();
  expect(actual.length).toBe(flat.length);
  let w = 0;
  for (let i = 0; i < flat.length; i++) w = Math.max(w, Math.abs(actual[i] - flat[i]));
  return w;
}

const cases: [string, OnnxDecoderGraph, string, string][] = [
  ['NCHW probabilities', graph('mlp-nchw/decoder.onnx', {}), 'latents', 'mlp'],
  [
    'flat logits',
    graph('mlp-flat-logits/decoder.onnx', {
      latentInput: 'z',
      output: 'recon',
      layout: 'flat',
      range: 'logits',
    }),
    'latents',
    'mlp',
  ],
  [
    'NHWC tanh (conv)',
    graph('conv-nhwc-tanh/decoder.onnx', { output: 'image_nhwc', layout: 'nhwc', range: 'tanh' }),
    'latents',
    'conv',
  ],
  [
    'RGB NCHW logits (transposed to HWC)',
    graph('rgb-nchw-logits/decoder.onnx', {
      latentInput: 'z',
      output: 'rgb_logits',
      range: 'logits',
      shape: [16, 16, 3],
    }),
    'latents',
    'rgb',
  ],
  [
    'a fixed batch of 1',
    graph('mlp-decoder-only.onnx', { latentInput: 'latent', output: 'probs', fixedBatch: 1 }),
    'latents',
    'mlp',
  ],
  [
    'a constant input on every row',
    graph('conditional-atlas/decoder.onnx', {
      output: 'probs',
      constants: [{ name: 'digit', values: expected.conditionalConstants.digit, dims: [10] }],
    }),
    'latents',
    'conditional',
  ],
  [
    'sphere latents',
    graph('sphere-atlas/decoder.onnx', { latentInput: 'direction', latentDim: 3 }),
    'sphereLatents',
    'sphere',
  ],
];

describe('OnnxPageDecoder (onnxruntime-web)', () => {
  it.each(cases)('decodes %s as the engine does', async (_name, plan, latents, images) => {
    const decoder = await OnnxPageDecoder.create(plan, ort);
    try {
      const z = Float32Array.from(expected[latents].flat());
      const out = await decoder.decode(z, 3);
      expect(worst(out, expected[images])).toBeLessThan(1e-6);
      // One at a time gives the same images (a fixed batch pads, a dynamic one shrinks).
      for (let i = 0; i < 3; i++) {
        const one = await decoder.decode(z.slice(i * plan.latentDim, (i + 1) * plan.latentDim));
        expect(worst(one, [expected[images][i]])).toBeLessThan(1e-6);
      }
      expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
    } finally {
      decoder.dispose();
    }
  });

  it('decodes more rows than one run takes, and overlapping calls, in order', async () => {
    const decoder = await OnnxPageDecoder.create(graph('mlp-nchw/decoder.onnx', {}), ort);
    const n = 150;
    const z = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) z.set(expected.latents[i % 3], i * 4);
    const [all, first] = await Promise.all([decoder.decode(z, n), decoder.decode(z.slice(0, 4))]);
    expect(all.length).toBe(n * 784);
    expect(worst(all.subarray(149 * 784), [expected.mlp[149 % 3]])).toBeLessThan(1e-6);
    expect(worst(first, [expected.mlp[0]])).toBeLessThan(1e-6);
    decoder.dispose();
    await expect(decoder.decode(z.slice(0, 4))).rejects.toThrow(/released/);
  });

  it('refuses a graph without the named tensors, a wrong z and bytes that are no model', async () => {
    await expect(
      OnnxPageDecoder.create(graph('mlp-nchw/decoder.onnx', { latentInput: 'latent' }), ort),
    ).rejects.toThrow(/no input "latent"/);
    await expect(
      OnnxPageDecoder.create(graph('mlp-nchw/decoder.onnx', { output: 'recon' }), ort),
    ).rejects.toThrow(/no output "recon"/);
    await expect(OnnxPageDecoder.create(graph('not-a-model.onnx', {}), ort)).rejects.toThrow(
      /onnxruntime-web cannot run this decoder/,
    );
    const decoder = await OnnxPageDecoder.create(graph('mlp-nchw/decoder.onnx', {}), ort);
    await expect(decoder.decode(new Float32Array(5))).rejects.toThrow(/not 1 × 4/);
    decoder.dispose();
  });
});
