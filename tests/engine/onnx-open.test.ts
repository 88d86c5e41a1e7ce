import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { openDataset } from '../../src-main/engine/data/registry';
import type { Dataset } from '../../src-main/engine/data/dataset';
import { evaluate } from '../../src-main/engine/evaluation/evaluate';
import { importanceWeightedLogLikelihood } from '../../src-main/engine/evaluation/iwae';
import { latentCoverage } from '../../src-main/engine/evaluation/latent-coverage';
import { saveCheckpoint } from '../../src-main/engine/io/checkpoint';
import { openModel, type OpenedModel } from '../../src-main/engine/io/open-model';
import { Vae } from '../../src-main/engine/model/model';
import { exportOnnx } from '../../src-main/engine/onnx/onnx-export';
import type { OnnxModel } from '../../src-main/engine/onnx/onnx-model';
import { mulberry32, normal } from '../../src-main/shared/random';
import { mnistConfig, tempDir } from './helpers';

/**
 * VAEs exported from PyTorch with torch.onnx.export (tests/fixtures/onnx/make_fixtures.py), opened
 * as the app opens them and compared with what PyTorch computed (expected.json).
 */
const FIXTURES = path.resolve('tests/fixtures/onnx');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
  latents: number[][];
  sphereLatents: number[][];
  mlp: number[][];
  conv: number[][];
  rgb: number[][];
  sphere: number[][];
  conditional: number[][];
  items: number[];
  encoded: {
    mlp: { mean: number[][]; logVariance: number[][] };
    conv: number[][];
  };
  mnistTestBce: number;
  mnistTestBceImages: number;
};

const opened: OpenedModel[] = [];
async function open(name: string, options: Parameters<typeof openModel>[1] = {}) {
  const model = await openModel(path.join(FIXTURES, name), options);
  opened.push(model);
  return model;
}
afterAll(() => opened.forEach((m) => m.model.dispose()));

let mnist: Dataset;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  mnist = (await openDataset('mnist', { limit: 100 })).test;
});

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The largest difference relative to the largest value (encoder codes reach ±13). */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  return maxAbs(a, b) / scale;
}

const rows = (m: number[][]) => Float32Array.from(m.flat());

describe('ONNX decoders from PyTorch, in every layout', () => {
  it.each([
    ['mlp-nchw', 'mlp', 'probs', 'nchw', [28, 28, 1]],
    ['mlp-flat-logits', 'mlp', 'logits', 'flat', [28, 28, 1]],
    ['mlp-decoder-only.onnx', 'mlp', 'probs', 'nchw', [28, 28, 1]],
    ['conv-nhwc-tanh', 'conv', 'tanh', 'nhwc', [28, 28, 1]],
    ['rgb-nchw-logits', 'rgb', 'logits', 'nchw', [16, 16, 3]],
  ] as const)('%s decodes what PyTorch decodes', async (name, key, range, layout, shape) => {
    const { model, manifest, kind } = await open(name);
    expect(kind).toBe('onnx');
    expect(model.latentDim).toBe(4);
    expect(manifest.imageShape).toEqual(shape);
    const onnx = model as OnnxModel;
    expect(onnx.parts.decoder.range).toBe(range);
    expect(onnx.parts.decoder.layout).toBe(layout);
    const images = await model.decode(rows(expected.latents), 3);
    expect(maxAbs(images, rows(expected[key]))).toBeLessThan(1e-5);
  });

  it('a fixed batch of 1 decodes any number of rows, one run each', async () => {
    const { model } = await open('mlp-decoder-only.onnx');
    const onnx = model as OnnxModel;
    expect(onnx.parts.decoder.fixedBatch).toBe(1);
    expect(onnx.encoding).toBeNull();
    const z = rows([...expected.latents, ...expected.latents]);
    const images = await model.decode(z, 6);
    expect(maxAbs(images.subarray(0, 3 * 784), images.subarray(3 * 784))).toBe(0);
  });

  it('a sphere prior from atlas.json: samples on S², decoded as PyTorch does', async () => {
    const { model, manifest } = await open('sphere-atlas');
    expect(manifest.model.latent.kind).toBe('sphere');
    const z = model.samplePrior(200, 1);
    for (let i = 0; i < 200; i++)
      expect(Math.hypot(z[3 * i], z[3 * i + 1], z[3 * i + 2])).toBeCloseTo(1, 5);
    const images = await model.decode(rows(expected.sphereLatents), 3);
    expect(maxAbs(images, rows(expected.sphere))).toBeLessThan(1e-5);
  });

  it('a conditional decoder runs once atlas.json fixes its other input', async () => {
    const { model } = await open('conditional-atlas');
    const images = await model.decode(rows(expected.latents), 3);
    expect(maxAbs(images, rows(expected.conditional))).toBeLessThan(1e-5);
  });

  it('CLI-style overrides beat the graph: --output probs reads logits as probabilities', async () => {
    const { model } = await open('mlp-flat-logits', { onnx: { output: 'probs' } });
    const images = await model.decode(rows(expected.latents), 3);
    // Raw logits clamped to [0, 1] are not PyTorch's images: the override took effect.
    expect(maxAbs(images, rows(expected.mlp))).toBeGreaterThan(0.1);
  });
});

describe('ONNX encoders', () => {
  const items = () => mnist.batch(expected.items);

  it('one [N, 2d] head (NCHW input) and two tensors (flat input) give the same posterior', async () => {
    for (const name of ['mlp-nchw', 'mlp-flat-logits']) {
      const { model } = await open(name);
      expect(model.encoding).toBe('posterior');
      const head = await model.encodeHead(items(), 3);
      const mean = Float32Array.from(
        { length: 12 },
        (_, k) => head[Math.floor(k / 4) * 8 + (k % 4)],
      );
      const logVar = Float32Array.from(
        { length: 12 },
        (_, k) => head[Math.floor(k / 4) * 8 + 4 + (k % 4)],
      );
      expect(maxRel(mean, rows(expected.encoded.mlp.mean))).toBeLessThan(1e-5);
      expect(maxRel(logVar, rows(expected.encoded.mlp.logVariance))).toBeLessThan(1e-5);
      expect(maxRel(await model.encode(items(), 3), rows(expected.encoded.mlp.mean))).toBeLessThan(
        1e-5,
      );
    }
  });

  it('a deterministic encoder (NHWC input) gives points, and no IWAE', async () => {
    const { model } = await open('conv-nhwc-tanh');
    expect(model.encoding).toBe('point');
    expect(maxRel(await model.encode(items(), 3), rows(expected.encoded.conv))).toBeLessThan(1e-5);
    const figures = await evaluate(model, mnist);
    expect(figures.elbo).toBeNull();
    expect(figures.kl).toBeNull();
    expect(figures.reconstruction).toBeGreaterThan(0);
    await expect(importanceWeightedLogLikelihood(model, mnist, { samples: 4 })).rejects.toThrow(
      /posterior density/,
    );
  });

  it("reconstruction errors at the mean equal PyTorch's, and eval's figures hold together", async () => {
    const { model } = await open('mlp-nchw');
    const all = (await openDataset('mnist')).test;
    const n = expected.mnistTestBceImages;
    // The first n test digits, as a dataset of their own.
    const data: Dataset = { ...all, count: n, batch: (i) => all.batch(i), labels: all.labels };
    const x = all.batch(Array.from({ length: n }, (_, i) => i));
    const { errors } = await model.encodeWithError(x, n);
    const mean = errors.reduce((s, e) => s + e, 0) / n;
    expect(Math.abs(mean - expected.mnistTestBce)).toBeLessThan(1e-3);
    const figures = await evaluate(model, data, { seed: 1 });
    expect(figures.elbo).toBeCloseTo(-(figures.reconstruction + figures.kl!), 6);
    const ll = await importanceWeightedLogLikelihood(model, data, { samples: 50, seed: 2 });
    // IWAE is a tighter bound than the ELBO, and both are finite.
    expect(ll).toBeGreaterThan(figures.elbo!);
    const coverage = await latentCoverage(model, data);
    expect(coverage.klPerDimension).toHaveLength(4);
    expect(coverage.coverage?.prior).toBe('gaussian');
  });
});

describe('refusals: one line naming the file and the tensor', () => {
  it.each([
    ['not-a-model.onnx', /not-a-model\.onnx: not an ONNX model/],
    [
      'unsupported-op.onnx',
      /unsupported-op\.onnx: ONNX Runtime cannot run this model: .*FancyDecode/,
    ],
    [
      'conditional-decoder.onnx',
      /conditional-decoder\.onnx: the decoder has 2 inputs .*input "digit" \[N, 10\] is unexplained.*atlas\.json/,
    ],
    ['not-image.onnx', /not-image\.onnx: output "scores" \[4, 10\] is not an image/],
    [
      'latent-mismatch',
      /latent-mismatch\/encoder\.onnx: the encoder's outputs "code" \[2, 6\] do not fit the decoder's latent size 4/,
    ],
  ])('%s', async (name, message) => {
    const error = await openModel(path.join(FIXTURES, name)).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it('a malformed atlas.json names its field', async () => {
    const dir = tempDir('atlas-onnx-sidecar-');
    cpSync(path.join(FIXTURES, 'mlp-nchw'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'atlas.json'), JSON.stringify({ output: 'softmax' }));
    await expect(openModel(dir)).rejects.toThrow(/atlas\.json: output: /);
    writeFileSync(path.join(dir, 'atlas.json'), JSON.stringify({ constants: { nope: [1] } }));
    await expect(openModel(dir)).rejects.toThrow(
      /fixes input "nope", but the decoder has no such input/,
    );
  });
});

describe('round trip: a model trained here, exported to ONNX and opened back', () => {
  it.each([
    ['mlp', mnistConfig({ net: { kind: 'mlp', hidden: [64] } })],
    [
      'conv',
      mnistConfig({
        net: { kind: 'conv', channels: [8, 16], convDense: 32 },
        latent: { kind: 'gaussian', dim: 6 },
      }),
    ],
    ['sphere', mnistConfig({ latent: { kind: 'sphere', dim: 3 } })],
  ])('%s: the same latents and images', async (_, config) => {
    const vae = Vae.create(config, 7);
    const work = tempDir('atlas-onnx-roundtrip-');
    const ckpt = path.join(work, 'ckpt');
    await saveCheckpoint(ckpt, { vae, name: 'round trip' });
    const out = path.join(work, 'onnx');
    await exportOnnx(vae, out, { source: { name: 'round trip', format: 'atlas', dir: ckpt } });
    expect(existsSync(path.join(out, 'encoder.onnx'))).toBe(true);
    const back = await openModel(out);
    opened.push(back);
    expect(back.manifest.model.latent.kind).toBe(config.latent.kind);
    const d = vae.latentDim;
    const rng = mulberry32(3);
    const z = Float32Array.from({ length: 5 * d }, () => normal(rng));
    expect(maxAbs(await back.model.decode(z, 5), vae.decode(z, 5))).toBeLessThanOrEqual(1e-5);
    const x = mnist.batch([0, 1, 2, 3, 4]);
    expect(maxAbs(await back.model.encode(x, 5), vae.encode(x, 5))).toBeLessThanOrEqual(1e-5);
    if (config.latent.kind === 'gaussian')
      expect(maxAbs(await back.model.encodeHead(x, 5), vae.encodeHead(x, 5))).toBeLessThanOrEqual(
        1e-5,
      );
    vae.dispose();
  });
});
