import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import {
  loadCheckpoint,
  OptimizerStateError,
  saveCheckpoint,
} from '../../src-main/engine/io/checkpoint';
import { openDataset } from '../../src-main/engine/data/registry';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { captureArtifacts, modelFiles } from '../../src-main/engine/io/layers-io';
import { Vae } from '../../src-main/engine/model/model';
import { Trainer } from '../../src-main/engine/training/train';
import { tf } from '../../src-main/engine/tf';
import { mnistConfig, tempDir } from './helpers';

let mnist: DatasetSplit;
const dataset = {
  spec: 'mnist',
  options: { limit: 512 },
  name: 'mnist (train)',
  itemShape: [28, 28, 1],
};

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  mnist = await openDataset('mnist', { limit: 512 });
});

async function trainedCheckpoint(epochs = 1): Promise<{ dir: string; vae: Vae; trainer: Trainer }> {
  const dir = path.join(tempDir(), 'ckpt');
  const vae = Vae.create(mnistConfig(), 1);
  const trainer = new Trainer(
    vae,
    mnist,
    { epochs, batchSize: 64, seed: 3 },
    {
      onEpochEnd: (t) => saveCheckpoint(dir, { vae, trainer: t, dataset }).then(() => undefined),
    },
  );
  await trainer.run();
  return { dir, vae, trainer };
}

const z = () =>
  tf.tidy(() => tf.randomNormal([6, 4], 0, 1, 'float32', 42).dataSync() as Float32Array);

describe('checkpoints', () => {
  it('save → load gives identical decoded images, manifest and history', async () => {
    const { dir, vae } = await trainedCheckpoint();
    const loaded = await loadCheckpoint(dir);
    expect(loaded.kind).toBe('atlas');
    expect(Array.from(loaded.vae.decode(z(), 6))).toEqual(Array.from(vae.decode(z(), 6)));
    const x = mnist.test.batch([0, 1, 2]);
    expect(Array.from(loaded.vae.encode(x, 3))).toEqual(Array.from(vae.encode(x, 3)));
    const m = loaded.manifest;
    expect(m.formatVersion).toBe(1);
    expect(m.dataset?.spec).toBe('mnist');
    expect(m.imageShape).toEqual([28, 28, 1]);
    expect(m.history).toHaveLength(1);
    expect(m.backend).toBe('cpu');
    expect(m.metrics.test_elbo).toBeLessThan(0);
    for (const f of [
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/model.json',
      'optimizer/tensors.bin',
    ]) {
      expect(existsSync(path.join(dir, f))).toBe(true);
    }
    // The weights are the standard TensorFlow.js layers format: stock tfjs loads them alone.
    const stock = await loadCheckpoint(path.join(dir, 'decoder'));
    expect(stock.kind).toBe('stock');
    expect(Array.from(stock.vae.decode(z(), 6))).toEqual(Array.from(vae.decode(z(), 6)));
  });

  it('resumes where it stopped: the loss curve continues instead of restarting', async () => {
    const { dir } = await trainedCheckpoint(2);
    const fresh = await trainedCheckpoint(3);
    const straight = fresh.trainer.history.map((e) => e.train.loss);

    // Resuming asks for Adam's state explicitly: inference loads never read it.
    const loaded = await loadCheckpoint(dir, { optimizer: true });
    expect(loaded.resume!.optimizerWeights).toBeDefined();
    expect((await loadCheckpoint(dir)).resume!.optimizerWeights).toBeUndefined();
    const trainer = new Trainer(
      loaded.vae,
      mnist,
      { ...loaded.manifest.train!, epochs: 3 },
      { resume: loaded.resume! },
    );
    const result = await trainer.run();
    const resumed = result.history.map((e) => e.train.loss);
    expect(result.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(trainer.step).toBe(fresh.trainer.step);
    // Same seed, same batches, same Adam state: the third epoch matches an uninterrupted run.
    expect(resumed[2]).toBeCloseTo(straight[2], 3);
    expect(resumed[2]).toBeLessThan(resumed[0]);
  });

  describe('rejects corrupt checkpoints, naming the file at fault', () => {
    let source: string;
    beforeAll(async () => {
      source = (await trainedCheckpoint()).dir;
    });
    const copy = () => {
      const dir = path.join(tempDir(), 'bad');
      for (const rel of ['', 'encoder', 'decoder', 'optimizer']) {
        for (const f of readdirSync(path.join(source, rel))) {
          const from = path.join(source, rel, f);
          if (statSync(from).isFile()) {
            const to = path.join(dir, rel, f);
            rmSync(to, { force: true });
            mkdirSync(path.dirname(to), { recursive: true });
            writeFileSync(to, readFileSync(from));
          }
        }
      }
      return dir;
    };

    it('missing directory', async () => {
      await expect(loadCheckpoint('/nonexistent/ckpt')).rejects.toThrow(
        /no such checkpoint directory/,
      );
    });
    it('missing manifest and model.json', async () => {
      await expect(loadCheckpoint(tempDir())).rejects.toThrow(
        /not a checkpoint: no manifest.json, no model.json/,
      );
    });
    it('manifest that is not JSON', async () => {
      const dir = copy();
      writeFileSync(path.join(dir, 'manifest.json'), '{"format": "latent-atlas-checkpoint", ');
      await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest.json: not valid JSON/);
    });
    it('unknown format version', async () => {
      const dir = copy();
      const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, formatVersion: 99 }));
      await expect(loadCheckpoint(dir)).rejects.toThrow(
        /manifest.json: format version 99 is not supported/,
      );
    });
    it('invalid model config', async () => {
      const dir = copy();
      const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      m.model.latent.dim = -3;
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
      await expect(loadCheckpoint(dir)).rejects.toThrow(
        /manifest.json: invalid manifest at model.latent.dim/,
      );
    });
    it('missing weights file', async () => {
      const dir = copy();
      rmSync(path.join(dir, 'decoder', 'weights.bin'));
      await expect(loadCheckpoint(dir)).rejects.toThrow(/decoder\/weights.bin: missing/);
    });
    it('truncated weights', async () => {
      const dir = copy();
      truncateSync(path.join(dir, 'encoder', 'weights.bin'), 1000);
      await expect(loadCheckpoint(dir)).rejects.toThrow(
        /encoder\/weights.bin: 1000 bytes, but .* describes \d+: truncated/,
      );
    });
    it('weights whose shapes do not match the config', async () => {
      const dir = copy();
      const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      m.model.net.hidden = [64];
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
      await expect(loadCheckpoint(dir)).rejects.toThrow(
        /encoder\/model.json: weight enc_dense_0\/kernel has shape \[784, 128\], the model config expects \[784, 64\]/,
      );
    });
    it('NaN weights', async () => {
      const dir = copy();
      const file = path.join(dir, 'decoder', 'weights.bin');
      const bytes = readFileSync(file);
      new DataView(bytes.buffer, bytes.byteOffset).setFloat32(8, NaN, true);
      writeFileSync(file, bytes);
      await expect(loadCheckpoint(dir)).rejects.toThrow(
        /decoder\/model.json: weight dec_dense_0\/kernel contains NaN or Inf/,
      );
    });
    // Only resuming reads the optimizer state (issue 12): inference loads such a checkpoint.
    it('truncated optimizer state', async () => {
      const dir = copy();
      truncateSync(path.join(dir, 'optimizer', 'tensors.bin'), 10);
      await expect(loadCheckpoint(dir, { optimizer: true })).rejects.toThrow(
        /optimizer\/tensors.bin: 10 bytes/,
      );
      await expect(loadCheckpoint(dir, { optimizer: true })).rejects.toBeInstanceOf(
        OptimizerStateError,
      );
      const loaded = await loadCheckpoint(dir);
      expect(loaded.vae.decode(z(), 6)).toHaveLength(6 * 784);
    });
    it('missing optimizer folder: inference loads, resuming refuses naming the file', async () => {
      const dir = copy();
      rmSync(path.join(dir, 'optimizer'), { recursive: true });
      const loaded = await loadCheckpoint(dir);
      expect(Array.from(loaded.vae.decode(z(), 6))).toEqual(
        Array.from((await loadCheckpoint(source)).vae.decode(z(), 6)),
      );
      await expect(loadCheckpoint(dir, { optimizer: true })).rejects.toThrow(
        /optimizer\/tensors.json: missing/,
      );
    });
    it('optimizer state of another model: resuming refuses, naming the mismatch', async () => {
      const dir = copy();
      const other = path.join(tempDir(), 'other');
      const vae = Vae.create(mnistConfig({ net: { kind: 'mlp', hidden: [32] } }), 1);
      const trainer = new Trainer(vae, mnist, { epochs: 1, batchSize: 256 });
      await trainer.run();
      await saveCheckpoint(other, { vae, trainer, dataset });
      for (const f of ['tensors.json', 'tensors.bin'])
        writeFileSync(
          path.join(dir, 'optimizer', f),
          readFileSync(path.join(other, 'optimizer', f)),
        );
      await expect(loadCheckpoint(dir, { optimizer: true })).rejects.toThrow(
        /optimizer\/tensors.json: .*has shape \[784, 32\], expected \[784, 128\]/,
      );
    });
  });

  it('a re-save keeps the saved vectors and selections, and they do not change the weights version', async () => {
    const dir = path.join(tempDir(), 'kept');
    const vae = Vae.create(mnistConfig(), 5);
    await saveCheckpoint(dir, { vae });
    mkdirSync(path.join(dir, 'vectors'));
    writeFileSync(path.join(dir, 'vectors', 'index.json'), '{"vectors":[]}');
    mkdirSync(path.join(dir, 'selections'));
    writeFileSync(path.join(dir, 'selections', 'round.npy'), 'x');
    await saveCheckpoint(dir, { vae });
    expect(readFileSync(path.join(dir, 'vectors', 'index.json'), 'utf8')).toBe('{"vectors":[]}');
    expect(existsSync(path.join(dir, 'selections', 'round.npy'))).toBe(true);
    const { weightsVersion } = await import('../../src-main/host/inference/latent-cache');
    const before = await weightsVersion(dir);
    writeFileSync(path.join(dir, 'selections', 'more.npy'), 'y');
    expect(await weightsVersion(dir)).toBe(before);
    vae.dispose();
  });

  it('survives a process killed mid-save: the previous checkpoint stays loadable and consistent', async () => {
    const dir = path.join(tempDir(), 'killed');
    const tsx = path.resolve('node_modules/tsx/dist/loader.mjs');
    for (const delay of [5, 40, 90, 150, 230]) {
      const child = spawn(
        process.execPath,
        ['--import', tsx, path.join(__dirname, 'fixtures/save-loop.ts'), dir],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      // Wait for one complete save (on later rounds there is already one from before), then kill.
      await new Promise<void>((resolve) =>
        child.stdout!.on('data', (d) => String(d).includes('saved') && resolve()),
      );
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const loaded = await loadCheckpoint(dir);
      const marker = loaded.manifest.metrics.marker!;
      const bias = loaded.vae.decoder.layers.at(-1)!.getWeights()[1].dataSync();
      expect(marker).toBeGreaterThan(0);
      expect(bias[0]).toBe(marker);
      loaded.vae.dispose();
    }
  });

  it('loads a stock layers-model decoder alone and samples from it', async () => {
    const dir = tempDir();
    const decoder = tf.sequential();
    decoder.add(tf.layers.dense({ units: 32, activation: 'relu', inputShape: [3] }));
    decoder.add(tf.layers.dense({ units: 64, activation: 'sigmoid' }));
    for (const [name, content] of modelFiles(
      await captureArtifacts(decoder),
      'group1-shard1of1.bin',
    )) {
      writeFileSync(path.join(dir, name), content);
    }
    const loaded = await loadCheckpoint(dir);
    expect(loaded.kind).toBe('stock');
    expect(loaded.vae.latentDim).toBe(3);
    expect(loaded.manifest.imageShape).toEqual([8, 8, 1]);
    const zs = loaded.vae.samplePrior(5, 1);
    const images = loaded.vae.decode(zs, 5);
    const direct = tf.tidy(() =>
      (decoder.predict(tf.tensor2d(zs, [5, 3])) as tf.Tensor).dataSync(),
    );
    expect(images).toHaveLength(5 * 64);
    images.forEach((v, i) => expect(v).toBeCloseTo(direct[i], 4));
    expect(() => loaded.vae.encode(new Float32Array(64), 1)).toThrow(
      /needs an encoder, and this model has only a decoder/,
    );
  });

  it('reads a sigmoid output through a trailing Reshape (no double sigmoid)', async () => {
    const dir = tempDir();
    const decoder = tf.sequential();
    decoder.add(tf.layers.dense({ units: 36, activation: 'sigmoid', inputShape: [2] }));
    decoder.add(tf.layers.reshape({ targetShape: [6, 6, 1] }));
    for (const [name, content] of modelFiles(await captureArtifacts(decoder))) {
      writeFileSync(path.join(dir, name), content);
    }
    const loaded = await loadCheckpoint(dir);
    expect(loaded.manifest.decoderOutput).toBe('probabilities');
    expect(loaded.manifest.imageShape).toEqual([6, 6, 1]);
    const zs = new Float32Array([0.3, -1.2]);
    const direct = tf.tidy(() =>
      (decoder.predict(tf.tensor2d(zs, [1, 2])) as tf.Tensor).dataSync(),
    );
    loaded.vae.decode(zs, 1).forEach((v, i) => expect(v).toBeCloseTo(direct[i], 4));
  });

  it('loads stock encoder/ and decoder/ folders and infers the sizes', async () => {
    const dir = tempDir();
    const encoder = tf.sequential();
    encoder.add(tf.layers.dense({ units: 10, inputShape: [48] }));
    const decoder = tf.sequential();
    decoder.add(tf.layers.dense({ units: 48, inputShape: [5] }));
    for (const [part, model] of [
      ['encoder', encoder],
      ['decoder', decoder],
    ] as const) {
      mkdirSync(path.join(dir, part), { recursive: true });
      for (const [name, content] of modelFiles(await captureArtifacts(model)))
        writeFileSync(path.join(dir, part, name), content);
    }
    const loaded = await loadCheckpoint(dir);
    expect(loaded.vae.latentDim).toBe(5);
    expect(loaded.manifest.imageShape).toEqual([4, 4, 3]);
    expect(loaded.vae.encode(new Float32Array(48 * 2).fill(0.5), 2)).toHaveLength(10);
  });

  it('cleans leftovers of dead saves beside an existing checkpoint, and says so', async () => {
    const { dir } = await trainedCheckpoint();
    const parent = path.dirname(dir);
    // Dead pids (no such process) and a live one that is not ours: the test runner's parent.
    const dead = ['ckpt.previous-999999999-1', 'ckpt.saving-999999998-2'];
    const live = `ckpt.saving-${process.ppid}-3`;
    for (const name of [...dead, live])
      mkdirSync(path.join(parent, name, 'encoder'), { recursive: true });
    const loaded = await loadCheckpoint(dir);
    expect(loaded.tidied).toHaveLength(2);
    for (const name of dead) {
      expect(existsSync(path.join(parent, name))).toBe(false);
      expect(loaded.tidied.join('\n')).toContain(name);
    }
    expect(existsSync(path.join(parent, live))).toBe(true);
    // A clean folder has nothing to say.
    expect((await loadCheckpoint(dir)).tidied).toEqual([]);
  });

  it("a save removes its own process's leftovers of an earlier failed save", async () => {
    const { dir, vae, trainer } = await trainedCheckpoint();
    const mine = path.join(path.dirname(dir), `ckpt.saving-${process.pid}-1`);
    mkdirSync(mine);
    await saveCheckpoint(dir, { vae, trainer, dataset });
    expect(existsSync(mine)).toBe(false);
  });

  it('warns about degenerate weights (all zero, or constant) but still loads them', async () => {
    const { dir, vae, trainer } = await trainedCheckpoint();
    expect((await loadCheckpoint(dir)).warnings).toEqual([]);
    const kernels = vae.decoder.weights.filter((w) => w.shape.length === 2);
    (kernels[0].read() as tf.Variable).assign(tf.zeros(kernels[0].shape as number[]));
    (kernels[1].read() as tf.Variable).assign(tf.fill(kernels[1].shape as number[], 0.25));
    await saveCheckpoint(dir, { vae, trainer, dataset });
    const loaded = await loadCheckpoint(dir);
    expect(loaded.warnings).toHaveLength(2);
    expect(loaded.warnings[0]).toMatch(
      /decoder\/model.json: weight dec_dense_0\/kernel is all zero/,
    );
    expect(loaded.warnings[1]).toMatch(/kernel is constant \(every value 0.25\)/);
  });

  it('records a resume (changed settings, fresh optimizer) in the history, and saves it', async () => {
    const { dir } = await trainedCheckpoint();
    const loaded = await loadCheckpoint(dir, { objective: { weight: 2 } });
    expect(loaded.vae.config.objective.weight).toBe(2);
    const note = {
      at: '2026-01-01T00:00:00.000Z',
      fromEpoch: 1,
      changed: { learningRate: [0.001, 0.002] as [unknown, unknown] },
      freshOptimizer: 'reset by --reset-optimizer',
    };
    const trainer = new Trainer(
      loaded.vae,
      mnist,
      { ...loaded.manifest.train!, learningRate: 0.002, epochs: 3 },
      {
        resume: loaded.resume!,
        resumeNote: note,
        onEpochEnd: (t) =>
          saveCheckpoint(dir, { vae: loaded.vae, trainer: t, dataset }).then(() => undefined),
      },
    );
    await trainer.run();
    const history = (await loadCheckpoint(dir)).manifest.history as { resumed?: unknown }[];
    expect(history.map((h) => h.resumed)).toEqual([undefined, note, undefined]);
  });
});
