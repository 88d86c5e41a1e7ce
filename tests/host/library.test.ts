import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteModel,
  listModels,
  modelDetail,
  modelDir,
  renameModel,
  seedLibrary,
  tidyLibrary,
} from '../../src-main/host/library/library';
import { readLibraryState, type LibraryState } from '../../src-main/host/library/library-state';
import { ModelCache, type LoadedModel } from '../../src-main/host/inference/model-cache';

function fakeCheckpoint(dir: string, name: string, epoch = 2): void {
  mkdirSync(dir, { recursive: true });
  const manifest = {
    format: 'latent-atlas-checkpoint',
    formatVersion: 1,
    name,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: `2025-01-0${epoch}T00:00:00.000Z`,
    model: {
      inputShape: [28, 28, 1],
      latent: { kind: 'gaussian', dim: 8 },
      objective: { kind: 'kl', weight: 1 },
      net: { kind: 'mlp' },
      likelihood: 'bernoulli',
    },
    dataset: {
      spec: 'mnist',
      options: { limit: 100, seed: 0, junk: true },
      name: 'mnist (train)',
      itemShape: [28, 28, 1],
    },
    imageShape: [28, 28, 1],
    train: null,
    state: { epoch, step: 10 * epoch },
    history: [],
    backend: 'wasm',
    metrics: { test_elbo: -101.5 },
    hasOptimizer: false,
    hasPrior: false,
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

describe('the model library', () => {
  let root: string;
  let library: string;
  let cache: ModelCache;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'atlas-library-'));
    library = path.join(root, 'models');
    cache = new ModelCache((id) => modelDir(library, id));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('seeds nothing from a missing or empty demo folder', async () => {
    expect(await seedLibrary(library, null)).toEqual([]);
    expect(await seedLibrary(library, path.join(root, 'nope'))).toEqual([]);
    mkdirSync(path.join(root, 'empty'));
    expect(await seedLibrary(library, path.join(root, 'empty'))).toEqual([]);
    expect(await listModels(library, cache)).toEqual([]);
  });

  it('seeds the bundled demos once, and a demo the user deleted stays deleted', async () => {
    const demo = path.join(root, 'demo');
    fakeCheckpoint(path.join(demo, 'mnist-gauss'), 'MNIST, Gaussian prior');
    writeFileSync(path.join(demo, 'README.txt'), 'not a checkpoint');
    const [id] = await seedLibrary(library, demo);
    expect(await seedLibrary(library, demo)).toEqual([]);
    const models = await listModels(library, cache);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({
      modelId: id,
      name: 'MNIST, Gaussian prior',
      demo: true,
      epoch: 2,
      testElbo: -101.5,
      latent: { kind: 'gaussian', dim: 8 },
      dataset: { spec: 'mnist', options: { limit: 100, seed: 0 } },
    });
    await deleteModel(library, id);
    expect(await seedLibrary(library, demo)).toEqual([]);
    expect(await listModels(library, cache)).toEqual([]);
  });

  it('describes a deterministic encoder by its reconstruction, and a flow by its kind and steps', async () => {
    fakeCheckpoint(path.join(library, 'wae'), 'WAE');
    fakeCheckpoint(path.join(library, 'planar'), 'Planar');
    type Manifest = {
      model: { encoder?: string; flow?: object; objective: { kind: string } };
      metrics: Record<string, number | null>;
    };
    const edit = (id: string, f: (m: Manifest) => void) => {
      const file = path.join(library, id, 'manifest.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      f(manifest);
      writeFileSync(file, JSON.stringify(manifest));
    };
    edit('wae', (m) => {
      m.model.encoder = 'deterministic';
      m.model.objective.kind = 'mmd';
      m.metrics = { test_elbo: null, test_reconstruction: 88.25 };
    });
    edit('planar', (m) => {
      m.model.flow = { kind: 'planar', length: 8 };
      m.metrics = { test_elbo: -95.5, test_reconstruction: 80 };
    });
    const models = await listModels(library, cache);
    expect(models.find((m) => m.modelId === 'wae')).toMatchObject({
      testElbo: null,
      testReconstruction: 88.25,
      posterior: 'deterministic',
    });
    expect(models.find((m) => m.modelId === 'planar')).toMatchObject({
      testElbo: -95.5,
      posterior: 'planar:8',
    });
  });

  it('renames through the library state, leaving the checkpoint untouched', async () => {
    fakeCheckpoint(path.join(library, 'm1'), 'original');
    const before = readFileSync(path.join(library, 'm1', 'manifest.json'), 'utf8');
    await renameModel(library, 'm1', 'Better name');
    expect((await listModels(library, cache))[0].name).toBe('Better name');
    expect(readFileSync(path.join(library, 'm1', 'manifest.json'), 'utf8')).toBe(before);
    await expect(renameModel(library, 'm2', 'x')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('puts back a checkpoint whose save was killed between its renames (its process is gone)', async () => {
    fakeCheckpoint(path.join(library, 'm1.previous-999999999-1'), 'interrupted');
    fakeCheckpoint(path.join(library, 'm2.saving-999999999-1'), 'half-written');
    fakeCheckpoint(
      path.join(library, `m3.previous-${process.pid}-1`),
      'being swapped by a live process',
    );
    const models = await listModels(library, cache);
    expect(models.map((m) => m.modelId)).toEqual(['m1']);
    expect(existsSync(path.join(library, 'm1', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(library, `m3.previous-${process.pid}-1`))).toBe(true);
  });

  it('removes leftovers of dead saves beside a model, and says so in its log', async () => {
    fakeCheckpoint(path.join(library, 'm1'), 'kept');
    fakeCheckpoint(path.join(library, 'm1.previous-999999999-1'), 'older copy');
    mkdirSync(path.join(library, 'm1.saving-999999998-2'));
    // Its own pid: the library host never saves, so this is a live save in another process's name.
    mkdirSync(path.join(library, `m1.saving-${process.pid}-3`));
    const log: string[] = [];
    const models = await listModels(library, cache, (line) => log.push(line));
    expect(models.map((m) => [m.modelId, m.name])).toEqual([['m1', 'kept']]);
    expect(log).toEqual([
      'removed m1.previous-999999999-1, left by an interrupted save',
      'removed m1.saving-999999998-2, left by an interrupted save',
    ]);
    expect(readdirSync(library).sort()).toEqual(['m1', `m1.saving-${process.pid}-3`]);
    // Nothing left to say the next time.
    await listModels(library, cache, (line) => log.push(line));
    expect(log).toHaveLength(2);
  });

  it("passes a load's warnings (degenerate weights) on to the page with the model", () => {
    fakeCheckpoint(path.join(library, 'm1'), 'zeros');
    const manifest = JSON.parse(readFileSync(path.join(library, 'm1', 'manifest.json'), 'utf8'));
    const model = {
      modelId: 'm1',
      dir: path.join(library, 'm1'),
      model: { encoding: null },
      vae: null,
      manifest,
      kind: 'atlas',
      version: 1,
      warnings: ['decoder/model.json: weight dec_dense_0/kernel is all zero'],
    } as unknown as LoadedModel;
    const state = { names: {}, demo: [], seededDemos: [], datasets: [] } as unknown as LibraryState;
    expect(modelDetail(model, state).warnings).toEqual(model.warnings);
    expect(modelDetail({ ...model, warnings: [] }, state)).not.toHaveProperty('warnings');
  });

  it('lists newest first and skips folders that are not checkpoints', async () => {
    fakeCheckpoint(path.join(library, 'old'), 'old', 1);
    fakeCheckpoint(path.join(library, 'new'), 'new', 3);
    mkdirSync(path.join(library, 'random-folder'));
    writeFileSync(path.join(library, 'notes.txt'), '');
    expect((await listModels(library, cache)).map((m) => m.modelId)).toEqual(['new', 'old']);
  });

  it('removes leftovers of interrupted imports and deletes', async () => {
    mkdirSync(path.join(library, '.importing-x'), { recursive: true });
    mkdirSync(path.join(library, '.deleting-y-1'), { recursive: true });
    await tidyLibrary(library);
    expect(readdirSync(library)).toEqual([]);
  });

  it('refuses ids that would leave the library', () => {
    for (const bad of ['../x', '..', '.atlas', 'a/b', 'a\\b', '']) {
      expect(() => modelDir(library, bad)).toThrow(/not a model id/);
    }
    expect(modelDir(library, 'ok-1.2_3')).toBe(path.join(library, 'ok-1.2_3'));
  });

  it('survives an unreadable library state file', async () => {
    mkdirSync(path.join(library, '.atlas'), { recursive: true });
    writeFileSync(path.join(library, '.atlas', 'library.json'), '{ broken');
    expect((await readLibraryState(library)).names).toEqual({});
    expect(
      readdirSync(path.join(library, '.atlas')).some((f) =>
        f.startsWith('library.json.unreadable-'),
      ),
    ).toBe(true);
  });
});
