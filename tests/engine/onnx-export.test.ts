import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { openDataset } from '../../src-main/engine/data/registry';
import { loadCheckpoint, saveCheckpoint } from '../../src-main/engine/io/checkpoint';
import { captureArtifacts, modelFiles } from '../../src-main/engine/io/layers-io';
import { GaussianLatent, gaussianDescriptor } from '../../src-main/engine/latent/gaussian';
import { registerGeometry } from '../../src-main/engine/latent/registry';
import { Vae } from '../../src-main/engine/model/model';
import { exportOnnx } from '../../src-main/engine/onnx/onnx-export';
import { tf } from '../../src-main/engine/tf';
import { ModelConfig, type ModelConfigInput } from '../../src-main/shared/config';
import { mulberry32, normal } from '../../src-main/shared/random';
import { cli } from '../cli/run-cli';
import { tempDir } from './helpers';

const { onnx } = onnxProto;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const work = tempDir('atlas-onnx-export-');
/** The largest difference each comparison found, printed at the end. */
const measured: Record<string, number> = {};
afterAll(() => console.log('max abs differences, ONNX Runtime vs the engine:', measured));

const TOLERANCE = 1e-5;

function gaussians(n: number, d: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n * d }, () => normal(rng));
}

function uniforms(n: number, size: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n * size }, () => rng());
}

/** Items [n, h·w·c] in the engine's (h, w, c) order as NCHW [n, c, h, w], or back. */
function relayout(x: Float32Array, n: number, [h, w, c]: number[], toNchw: boolean): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let u = 0; u < w; u++)
        for (let k = 0; k < c; k++) {
          const hwc = i * h * w * c + (y * w + u) * c + k;
          const chw = i * h * w * c + (k * h + y) * w + u;
          if (toNchw) out[chw] = x[hwc];
          else out[hwc] = x[chw];
        }
  return out;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function record(name: string, value: number): void {
  measured[name] = Math.max(measured[name] ?? 0, value);
  expect(value, name).toBeLessThanOrEqual(TOLERANCE);
}

async function runOnnx(
  file: string,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(file);
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]),
    );
    const out = await session.run(inputs);
    return Object.fromEntries(
      Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
    );
  } finally {
    await session.release();
  }
}

/** The image [h, w, c] an item of `shape` is exported as. */
const imageOf = (shape: number[]) =>
  shape.length === 3 ? shape : shape.length === 2 ? [...shape, 1] : [1, shape[0], 1];

/** Decodes z with the exported decoder and with the engine; both as [n, h·w·c] in (h, w, c). */
async function compareDecoder(vae: Vae, dir: string, label: string, n = 6): Promise<void> {
  const d = vae.latentDim;
  const image = imageOf(vae.config.inputShape);
  for (const [rows, seed] of [
    [n, 11],
    [1, 12],
  ]) {
    // Three times the prior's spread, so the sigmoid is exercised beyond its linear middle.
    const z = gaussians(rows, d, seed).map((v) => 3 * v);
    const out = await runOnnx(path.join(dir, 'decoder.onnx'), {
      z: { data: z, dims: [rows, d] },
    });
    expect(out.image.dims).toEqual([rows, image[2], image[0], image[1]]);
    record(
      `${label} decoder`,
      maxAbs(relayout(out.image.data, rows, image, false), vae.decode(z, rows)),
    );
  }
}

/** Encodes images with the exported encoder and with the engine. */
async function compareEncoder(
  vae: Vae,
  dir: string,
  label: string,
  n = 5,
  x = uniforms(n, vae.inputSize, 21),
): Promise<void> {
  const d = vae.latentDim;
  const image = imageOf(vae.config.inputShape);
  const out = await runOnnx(path.join(dir, 'encoder.onnx'), {
    image: { data: relayout(x, n, image, true), dims: [n, image[2], image[0], image[1]] },
  });
  expect(out.mean.dims).toEqual([n, d]);
  record(`${label} encoder mean`, maxAbs(out.mean.data, vae.encode(x, n)));
  if (!out.log_variance) return;
  const head = vae.encodeHead(x, n);
  const logVar = tf.tidy(() =>
    Float32Array.from(
      (
        vae.geometry.posterior(tf.tensor2d(head, [n, 2 * d])) as unknown as { logVar: tf.Tensor }
      ).logVar.dataSync(),
    ),
  );
  expect(out.log_variance.dims).toEqual([n, d]);
  record(`${label} encoder log-variance`, maxAbs(out.log_variance.data, logVar));
}

const sidecarOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'atlas.json'), 'utf8'));

function config(overrides: Partial<ModelConfigInput>): ModelConfigInput {
  return {
    inputShape: [28, 28, 1],
    latent: { kind: 'gaussian', dim: 4 },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'mlp', hidden: [64, 32] },
    likelihood: 'bernoulli',
    ...overrides,
  };
}

const source = (name: string) => ({ source: { name, format: 'atlas' as const } });

describe('ONNX export of the nets this project trains', () => {
  it('MLP + Gaussian: decoder images and encoder mean / clamped log-variance match the engine', async () => {
    // A narrow clamp, so that some log-variances of a fresh model are clipped and some not.
    const vae = Vae.create(config({ logVarClamp: [-0.1, 0.1] }), 3);
    const dir = path.join(work, 'mlp-gaussian');
    const result = await exportOnnx(vae, dir, {
      ...source('mlp-gaussian'),
      producerVersion: '9.9.9',
    });
    expect(result.files).toEqual(['decoder.onnx', 'encoder.onnx', 'atlas.json']);
    expect(result.encoderOutputs).toEqual(['mean', 'log_variance']);
    expect(result.encoderSkipped).toBeNull();
    expect(sidecarOf(dir)).toEqual({
      prior: 'gaussian',
      output: 'probs',
      layout: 'nchw',
      inputSize: '28x28x1',
      latentDim: 4,
      exportedFrom: {
        name: 'mlp-gaussian',
        format: 'atlas',
        geometry: 'gaussian',
        objective: 'kl',
        net: 'mlp',
        likelihood: 'bernoulli',
        decoderOutput: 'logits',
      },
    });
    const model = onnx.ModelProto.decode(readFileSync(path.join(dir, 'decoder.onnx')));
    expect(Number(model.irVersion)).toBe(7);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(model.producerName).toBe('latent-atlas');
    expect(model.producerVersion).toBe('9.9.9');
    expect(model.graph?.input?.[0].type?.tensorType?.shape?.dim?.[0].dimParam).toBe('batch');

    await compareDecoder(vae, dir, 'mlp+gaussian');
    await compareEncoder(vae, dir, 'mlp+gaussian');
    // The clamp was exercised on both sides of it and inside it.
    const logVar = (
      await runOnnx(path.join(dir, 'encoder.onnx'), {
        image: { data: uniforms(20, 784, 5), dims: [20, 1, 28, 28] },
      })
    ).log_variance.data;
    expect(logVar.some((v) => Math.abs(v - 0.1) < 1e-7)).toBe(true);
    expect(logVar.some((v) => Math.abs(v + 0.1) < 1e-7)).toBe(true);
    expect(logVar.some((v) => Math.abs(v) < 0.099)).toBe(true);
    vae.dispose();
  });

  it('conv + Gaussian on RGB: NCHW in and out, TensorFlow padding and flatten order kept', async () => {
    const vae = Vae.create(
      config({
        inputShape: [16, 16, 3],
        latent: { kind: 'gaussian', dim: 3 },
        net: { kind: 'conv', channels: [8, 16], convDense: 32 },
      }),
      4,
    );
    const dir = path.join(work, 'conv-gaussian');
    await exportOnnx(vae, dir, source('conv-gaussian'));
    expect(sidecarOf(dir)).toMatchObject({ inputSize: '16x16x3', latentDim: 3 });
    await compareDecoder(vae, dir, 'conv+gaussian');
    await compareEncoder(vae, dir, 'conv+gaussian');
    // The NCHW image goes into and comes out of the convolutions as it is: the one Transpose in
    // each graph is where a Dense layer meets them (tfjs flattens in (h, w, c) order).
    const ops = (file: string) =>
      onnx.ModelProto.decode(readFileSync(path.join(dir, file))).graph?.node?.map((n) => n.opType);
    expect(ops('decoder.onnx')?.filter((op) => op === 'Transpose')).toHaveLength(1);
    expect(ops('encoder.onnx')?.filter((op) => op === 'Transpose')).toHaveLength(1);
    expect(ops('decoder.onnx')).toContain('ConvTranspose');
    vae.dispose();
  });

  it('conv on a non-square image with a Power Spherical latent: the unit mean direction', async () => {
    const vae = Vae.create(
      config({
        inputShape: [8, 12, 1],
        latent: { kind: 'power-sphere', dim: 3 },
        net: { kind: 'conv', channels: [4, 6], convDense: 16 },
      }),
      5,
    );
    const dir = path.join(work, 'conv-power-sphere');
    const result = await exportOnnx(vae, dir, source('conv-power-sphere'));
    expect(result.encoderOutputs).toEqual(['mean']);
    expect(sidecarOf(dir)).toMatchObject({ prior: 'sphere', inputSize: '8x12x1' });
    await compareDecoder(vae, dir, 'conv+power-sphere');
    await compareEncoder(vae, dir, 'conv+power-sphere');
    vae.dispose();
  });

  it('MLP + vMF: the mean direction, of unit length', async () => {
    const vae = Vae.create(config({ latent: { kind: 'sphere', dim: 3 } }), 6);
    const dir = path.join(work, 'mlp-vmf');
    const result = await exportOnnx(vae, dir, source('mlp-vmf'));
    expect(result.encoderOutputs).toEqual(['mean']);
    expect(sidecarOf(dir)).toMatchObject({
      prior: 'sphere',
      exportedFrom: { geometry: 'sphere' },
    });
    await compareDecoder(vae, dir, 'mlp+vmf');
    await compareEncoder(vae, dir, 'mlp+vmf');
    const { mean } = await runOnnx(path.join(dir, 'encoder.onnx'), {
      image: { data: uniforms(4, 784, 8), dims: [4, 1, 28, 28] },
    });
    for (let i = 0; i < 4; i++)
      expect(Math.hypot(...mean.data.subarray(3 * i, 3 * i + 3))).toBeCloseTo(1, 6);
    vae.dispose();
  });

  it('MLP + mixture (a head of [mean, log-variance] too), on toy points', async () => {
    const vae = Vae.create(
      config({
        inputShape: [5],
        latent: { kind: 'mixture', dim: 2, components: 3 },
        net: { kind: 'mlp', hidden: [16] },
      }),
      7,
    );
    const dir = path.join(work, 'mlp-mixture');
    const result = await exportOnnx(vae, dir, source('mlp-mixture'));
    expect(result.encoderOutputs).toEqual(['mean', 'log_variance']);
    expect(sidecarOf(dir)).toMatchObject({ prior: 'gaussian', inputSize: '1x5x1' });
    await compareDecoder(vae, dir, 'mlp+mixture');
    await compareEncoder(vae, dir, 'mlp+mixture');
    vae.dispose();
  });
});

describe('ONNX export of trained models', () => {
  it('the bundled demo checkpoints (MLP, Gaussian and vMF) match on MNIST test images', async () => {
    const mnist = await openDataset('mnist', { limit: 200 });
    const x = mnist.test.batch(Array.from({ length: 16 }, (_, i) => i));
    for (const name of ['mnist-gaussian-8', 'mnist-sphere-3']) {
      const loaded = await loadCheckpoint(path.resolve(__dirname, '../../resources/demo', name));
      const dir = path.join(work, `demo-${name}`);
      await exportOnnx(loaded.vae, dir, source(name));
      await compareDecoder(loaded.vae, dir, `demo ${name}`, 16);
      await compareEncoder(loaded.vae, dir, `demo ${name}`, 16, x);
      loaded.vae.dispose();
    }
  });
});

describe('ONNX export of other TensorFlow.js layers', () => {
  it('odd kernels, strides and paddings, and every supported activation', async () => {
    // 'same' with an odd total padding (TensorFlow pads the extra one at the end), 'valid', and a
    // transposed convolution whose kernel is smaller than its stride (ONNX's output_padding).
    const decoder = tf.sequential({
      layers: [
        tf.layers.dense({ units: 5 * 7 * 4, activation: 'relu', inputShape: [3], name: 'd0' }),
        tf.layers.reshape({ targetShape: [5, 7, 4], name: 'grid' }),
        tf.layers.conv2dTranspose({
          filters: 3,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu6',
          name: 'up_k3_same',
        }),
        tf.layers.conv2d({
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'tanh',
          name: 'down_k3_same',
        }),
        tf.layers.conv2d({
          filters: 4,
          kernelSize: [3, 2],
          strides: 1,
          padding: 'valid',
          activation: 'elu',
          name: 'k3x2_valid',
        }),
        tf.layers.conv2dTranspose({
          filters: 2,
          kernelSize: 1,
          strides: 2,
          padding: 'valid',
          activation: 'softplus',
          name: 'up_k1_valid',
        }),
        tf.layers.conv2dTranspose({
          filters: 1,
          kernelSize: 4,
          strides: 2,
          padding: 'same',
          useBias: false,
          name: 'up_k4_same',
        }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dropout({ rate: 0.5, name: 'drop' }),
        tf.layers.activation({ activation: 'sigmoid', name: 'probs' }),
      ],
    });
    expect(decoder.outputs[0].shape).toEqual([null, 12 * 24]);
    const vae = new Vae({
      config: ModelConfig.parse(
        config({ inputShape: [12, 24, 1], latent: { kind: 'gaussian', dim: 3 } }),
      ),
      encoder: null,
      decoder,
      decoderOutput: 'probabilities',
    });
    const dir = path.join(work, 'odd-conv');
    const result = await exportOnnx(vae, dir, {
      source: { name: 'odd-conv', format: 'stock' },
    });
    expect(result.files).toEqual(['decoder.onnx', 'atlas.json']);
    expect(result.encoderSkipped).toMatch(/no encoder/);
    expect(sidecarOf(dir).exportedFrom).toEqual({
      name: 'odd-conv',
      format: 'stock',
      geometry: 'gaussian',
      objective: null,
      net: null,
      likelihood: null,
      decoderOutput: 'probabilities',
    });
    // The engine clips probabilities to [1e-6, 1 − 1e-6] on their way through logits; the export
    // leaves them as the decoder gives them, which is within the tolerance.
    await compareDecoder(vae, dir, 'odd conv (stock)');
    vae.dispose();
  });

  it('a stock decoder folder read by loadCheckpoint exports too', async () => {
    const decoder = tf.sequential({
      layers: [
        tf.layers.dense({ units: 24, activation: 'tanh', inputShape: [2], name: 'a' }),
        tf.layers.dense({ units: 32, activation: 'elu', name: 'b' }),
        tf.layers.dense({ units: 64, activation: 'sigmoid', name: 'c' }),
        tf.layers.reshape({ targetShape: [8, 8, 1], name: 'img' }),
      ],
    });
    const folder = path.join(work, 'stock');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(folder, { recursive: true });
    for (const [name, content] of modelFiles(await captureArtifacts(decoder)))
      await writeFile(path.join(folder, name), content);
    decoder.dispose();
    const loaded = await loadCheckpoint(folder);
    expect(loaded.kind).toBe('stock');
    expect(loaded.vae.decoderOutput).toBe('probabilities');
    const dir = path.join(work, 'stock-onnx');
    await exportOnnx(loaded.vae, dir, { source: { name: 'stock', format: 'stock' } });
    expect(sidecarOf(dir)).toMatchObject({ inputSize: '8x8x1', latentDim: 2 });
    await compareDecoder(loaded.vae, dir, 'stock dense');
    loaded.vae.dispose();
  });

  it('refuses an unsupported layer, naming it, and writes nothing', async () => {
    const decoder = tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, inputShape: [2], name: 'dec_in' }),
        tf.layers.batchNormalization({ name: 'dec_bn' }),
        tf.layers.dense({ units: 64, name: 'dec_out' }),
      ],
    });
    const vae = new Vae({
      config: ModelConfig.parse(
        config({ inputShape: [8, 8, 1], latent: { kind: 'gaussian', dim: 2 } }),
      ),
      encoder: null,
      decoder,
    });
    const dir = path.join(work, 'refused');
    await expect(
      exportOnnx(vae, dir, {
        source: { name: 'x', format: 'stock', files: { decoder: '/models/x/model.json' } },
      }),
    ).rejects.toThrow(
      /^\/models\/x\/model.json: decoder layer "dec_bn" \(BatchNormalization\) does not export to ONNX: only Dense, Conv2D/,
    );
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.exporting-'))).toEqual([]);
    vae.dispose();
  });

  it('exports the decoder only, saying why, when the geometry has a head of another kind', async () => {
    // A geometry whose head is [mean, log-variance, something else]: neither layout.
    class WideHead extends GaussianLatent {
      override readonly headSize = 3 * this.dim;
    }
    const remove = registerGeometry({
      descriptor: { ...gaussianDescriptor, kind: 'wide-head-fixture' },
      create: (c, m) => new WideHead(c, m?.logVarClamp),
    });
    try {
      const vae = Vae.create(config({ latent: { kind: 'wide-head-fixture', dim: 2 } }), 9);
      const dir = path.join(work, 'wide-head');
      const result = await exportOnnx(vae, dir, source('wide'));
      expect(result.files).toEqual(['decoder.onnx', 'atlas.json']);
      expect(result.encoderOutputs).toBeNull();
      expect(result.encoderSkipped).toBe(
        "the wide-head-fixture geometry's encoder head (6 values for d = 2) is neither [mean, log-variance] nor [mean direction, concentration]",
      );
      await compareDecoder(vae, dir, 'wide head');
      vae.dispose();
    } finally {
      remove();
    }
  });
});

describe('latent-atlas export', () => {
  it('writes the ONNX files, refuses to overwrite them without --force, and replaces them with it', async () => {
    const vae = Vae.create(
      config({
        inputShape: [8, 8, 1],
        latent: { kind: 'gaussian', dim: 2 },
        net: { kind: 'conv', channels: [4], convDense: 8 },
      }),
      10,
    );
    const ckpt = path.join(work, 'cli-ckpt');
    await saveCheckpoint(ckpt, { vae, name: 'tiny' });
    const out = path.join(work, 'cli-out');
    const r = cli('export', ckpt, '--format', 'onnx', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.at(-1)).toMatchObject({
      out,
      files: ['decoder.onnx', 'encoder.onnx', 'atlas.json'],
      encoderOutputs: ['mean', 'log_variance'],
      sidecar: { inputSize: '8x8x1', latentDim: 2, exportedFrom: { name: 'tiny', net: 'conv' } },
    });
    await compareDecoder(vae, out, 'cli');
    await compareEncoder(vae, out, 'cli');

    const before = statSync(path.join(out, 'decoder.onnx')).mtimeMs;
    const again = cli('export', ckpt, '--format', 'onnx', '--out', out);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim().split('\n')).toEqual([
      `latent-atlas: ${out}: not empty; pass --force to replace it`,
    ]);
    expect(statSync(path.join(out, 'decoder.onnx')).mtimeMs).toBe(before);

    const forced = cli('export', ckpt, '--format', 'onnx', '--out', out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^wrote decoder.onnx, encoder.onnx, atlas.json to /);
    expect(forced.stdout).toMatch(
      /encoder.onnx: image \[N, 1, 8, 8\] → mean, log_variance \[N, 2\]/,
    );
    expect(readdirSync(work).filter((f) => /\.(exporting|replaced)-/.test(f))).toEqual([]);

    const wrong = cli('export', ckpt, '--format', 'tflite', '--out', path.join(work, 'never'));
    expect(wrong.stderr.trim()).toBe(
      'latent-atlas: --format must be onnx (the only export format), got "tflite"',
    );
    const into = cli('export', ckpt, '--format', 'onnx', '--out', path.dirname(ckpt), '--force');
    expect(into.stderr.trim()).toMatch(
      /holds the model being exported; export to another directory$/,
    );
    expect(existsSync(path.join(ckpt, 'manifest.json'))).toBe(true);
    vae.dispose();
  });

  it('answers export --help without loading the engine', () => {
    const root = path.resolve(__dirname, '../..');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        path.join(root, 'node_modules/tsx/dist/loader.mjs'),
        '--import',
        path.join(root, 'tests/cli/fixtures/no-engine.mjs'),
        path.join(root, 'src-main/cli/main.ts'),
        'export',
        '--help',
      ],
      { encoding: 'utf8', cwd: root },
    );
    expect(r.stdout).toMatch(/--format <format>/);
    expect(r.stderr).not.toMatch(/loaded the engine dependency/);
  });
});
