import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtlasApi } from '../../src-main/api/atlas-api';
import type { EventPayload } from '../../src-main/api/contract';
import type { AtlasError } from '../../src-main/api/errors';
import { EVENT_NAMES, type EventName } from '../../src-main/api/names';
import { MlpDecoder } from '../../src-renderer/lib/decoding/mlp-decoder';
import { readNpy } from '../../src-main/engine/io/npy';

/**
 * The one contract suite every transport must pass: the same requests, the same events, the same
 * errors, whether the page reaches the engine through the supervisor directly (host over a child
 * process) or through `serve`'s WebSocket.
 */
export interface Transport {
  api: AtlasApi;
  libraryDir: string;
  scratchDir: string;
  close(): Promise<void>;
}

type Seen = { [E in EventName]: EventPayload<E>[] };

export function recordEvents(api: AtlasApi): Seen {
  const seen = Object.fromEntries(EVENT_NAMES.map((e) => [e, []])) as unknown as Seen;
  for (const event of EVENT_NAMES)
    api.on(event, (payload) => (seen[event] as unknown[]).push(payload));
  return seen;
}

export async function until<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function rejection(promise: Promise<unknown>): Promise<AtlasError> {
  try {
    await promise;
  } catch (err) {
    return err as AtlasError;
  }
  throw new Error('expected the request to fail');
}

export const toyModel = {
  inputShape: [2],
  latent: { kind: 'gaussian' as const, dim: 2 },
  objective: { kind: 'kl' as const, weight: 1 },
  net: { kind: 'mlp' as const, hidden: [16] },
  likelihood: 'gaussian' as const,
};

export function contractSuite(name: string, connect: () => Promise<Transport>): void {
  describe(`the contract over ${name}`, () => {
    let t: Transport;
    let api: AtlasApi;
    let seen: Seen;
    let quick: { jobId: string; modelId: string };
    let slow: { jobId: string; modelId: string };

    beforeAll(async () => {
      t = await connect();
      api = t.api;
      seen = recordEvents(api);
    });
    afterAll(async () => {
      await t?.close();
    });

    const stateOf = (jobId: string) =>
      seen.jobChanged.filter((e) => e.job.jobId === jobId).at(-1)?.job.state;

    it('says which transport and backend it runs on', async () => {
      const info = await api.info();
      expect(info.backend.backend).toMatch(/wasm|cpu|tensorflow/);
      // Where a faster backend could be installed, info says which (here: none is installed).
      if (info.backend.chosen !== 'tensorflow-gpu')
        expect(info.backendAdvice?.mlp).toMatch(/would train faster|would be faster/);
      expect(info.libraryDir).toBe(t.libraryDir);
      expect(info.dialogs).toBe(false);
    });

    it('lists the built-in datasets', async () => {
      const { datasets } = await api.listDatasets();
      expect(datasets.map((d) => d.spec)).toEqual(
        expect.arrayContaining(['mnist', 'toy:moons', 'shapes']),
      );
    });

    it('refuses malformed requests with the field at fault', async () => {
      const bad = await rejection(
        api.decode({ modelId: 'x', z: [0, 1] as unknown as Float32Array, n: 1 }),
      );
      expect(bad.code).toBe('invalid-params');
      expect(bad.message).toContain('z: expected a Float32Array, got a plain array');
      const typo = await rejection(api.listModels({ limti: 3 } as never));
      expect(typo.message).toContain('Unrecognized key');
      const missing = await rejection(
        api.decode({ modelId: 'no-such-model', z: new Float32Array(2), n: 1 }),
      );
      expect(missing.code).toBe('not-found');
    });

    it('trains two models at once, with progress events and latent snapshots', async () => {
      ({ job: quick } = await api.startTraining({
        name: 'quick moons',
        dataset: { spec: 'toy:moons', options: { limit: 600 } },
        model: toyModel,
        train: { epochs: 3, batchSize: 50 },
        latentLimit: 300,
        stepIntervalMs: 0,
        // Clouds at epoch ends only (mid-epoch ones have a test of their own: live-progress).
        liveCloudSeconds: 0,
      }));
      ({ job: slow } = await api.startTraining({
        dataset: { spec: 'toy:rings', options: { limit: 4000 } },
        model: toyModel,
        train: { epochs: 50, batchSize: 8 },
        latentLimit: 0,
        stepIntervalMs: 0,
      }));
      expect(quick.jobId).not.toBe(slow.jobId);
      await until(() => stateOf(quick.jobId) === 'completed', 'the quick job to complete');

      const steps = seen.trainingStep.filter((e) => e.jobId === quick.jobId);
      expect(steps.length).toBeGreaterThan(10);
      const epochs = seen.trainingEpoch.filter((e) => e.jobId === quick.jobId);
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect(Number.isFinite(epochs[2].test.elbo)).toBe(true);
      const latents = seen.trainingLatents.filter((e) => e.jobId === quick.jobId);
      expect(latents.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
      const last = latents.at(-1)!;
      expect(last.means).toBeInstanceOf(Float32Array);
      expect(last.means.length).toBe(300 * 2);
      expect(last.labels).toBeInstanceOf(Int32Array);
      expect(last.labelNames).toEqual(['upper', 'lower']);
      // Every point names its dataset item and carries its reconstruction error.
      expect(last.split).toBe('all');
      expect(last.indices).toBeInstanceOf(Int32Array);
      expect(Array.from(last.indices.subarray(0, 3))).toEqual([0, 1, 2]);
      expect(last.errors).toBeInstanceOf(Float32Array);
      expect(last.errors!.length).toBe(300);
      expect(last.errors!.every(Number.isFinite)).toBe(true);
      // Both run at once: the slow job reports steps too (it may start after the quick one ends).
      await until(
        () => seen.trainingStep.some((e) => e.jobId === slow.jobId),
        'the slow job to report a step',
      );
      expect(stateOf(slow.jobId)).toBe('running');
    });

    it('pauses, resumes and cancels a job while another runs', async () => {
      await until(() => stateOf(slow.jobId) === 'running', 'the slow job to run');
      const paused = await api.pauseTraining({ jobId: slow.jobId });
      expect(paused.job.state).toBe('paused');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = seen.trainingStep.filter((e) => e.jobId === slow.jobId).length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen.trainingStep.filter((e) => e.jobId === slow.jobId).length).toBe(before);

      expect((await api.resumeTraining({ jobId: slow.jobId })).job.state).toBe('running');
      await until(
        () => seen.trainingStep.filter((e) => e.jobId === slow.jobId).length > before,
        'steps after resuming',
      );

      const { jobs } = await api.listJobs();
      expect(jobs.map((j) => j.jobId)).toEqual(expect.arrayContaining([quick.jobId, slow.jobId]));
      const busy = await rejection(api.deleteModel({ modelId: slow.modelId }));
      expect(busy.code).toBe('busy');

      expect((await api.cancelTraining({ jobId: slow.jobId })).job.state).toBe('cancelled');
      const refused = await rejection(api.pauseTraining({ jobId: slow.jobId }));
      expect(refused.code).toBe('refused');
    });

    it('decodes, encodes and samples with typed arrays', async () => {
      const decoded = await api.decode({
        modelId: quick.modelId,
        z: Float32Array.from([0, 0, 1, -1, 2, 2]),
        n: 3,
      });
      expect(decoded.images).toBeInstanceOf(Float32Array);
      expect(decoded.images.length).toBe(3 * 2);
      expect(decoded.shape).toEqual([2]);
      expect(decoded.images.every((v) => v >= 0 && v <= 1)).toBe(true);

      const wrongWidth = await rejection(
        api.decode({ modelId: quick.modelId, z: new Float32Array(3), n: 1 }),
      );
      expect(wrongWidth.message).toMatch(/2-dimensional latent need 2/);

      const encoded = await api.encode({
        modelId: quick.modelId,
        x: Float32Array.from([0.5, 0.5, 0.2, 0.8]),
        n: 2,
      });
      expect(encoded.means).toBeInstanceOf(Float32Array);
      expect(encoded.dim).toBe(2);

      const sampled = await api.samplePrior({ modelId: quick.modelId, n: 5, seed: 3 });
      expect(sampled.z.length).toBe(10);
      expect(sampled.images.length).toBe(10);

      const cloud = await api.latents({ modelId: quick.modelId, limit: 200, split: 'test' });
      expect(cloud.labels).toBeInstanceOf(Int32Array);
      expect(cloud.n).toBeGreaterThan(0);
      expect(cloud.means.length).toBe(cloud.n * 2);
    });

    it('sends an MLP decoder as dense weights that decode as the engine does', async () => {
      const modelId = quick.modelId;
      const weights = await api.decoderWeights({ modelId });
      if ('unsupported' in weights) throw new Error(`unsupported: ${weights.unsupported}`);
      expect(weights.layers.map((l) => [l.inputs, l.units, l.activation])).toEqual([
        [2, 16, 'relu'],
        [16, 2, 'linear'],
      ]);
      expect(weights.layers[0].kernel).toBeInstanceOf(Float32Array);
      expect(weights.layers[0].kernel.length).toBe(2 * 16);
      expect(weights.layers[1].bias).toBeInstanceOf(Float32Array);
      expect(weights).toMatchObject({ output: 'logits', shape: [2] });

      const z = Float32Array.from([0, 0, 1, -1, 2, 2, -3, 0.5]);
      const { images } = await api.decode({ modelId, z, n: 4 });
      const local = new MlpDecoder(weights).decode(z, 4);
      expect(local.length).toBe(images.length);
      local.forEach((v, i) => expect(Math.abs(v - images[i])).toBeLessThan(1e-5));

      // Training announced every change of the weights decodes use: the initial checkpoint, one
      // per epoch, the end of the job (and any mid-epoch snapshots).
      const changes = seen.weightsChanged.filter((e) => e.modelId === modelId);
      expect(changes.length).toBeGreaterThanOrEqual(5);

      const unknown = await rejection(api.decoderWeights({ modelId: 'no-such-model' }));
      expect(unknown.code).toBe('not-found');
      const bad = await rejection(api.decoderWeights({ modelId: '../etc' }));
      expect(bad.code).toBe('invalid-params');
      expect(bad.message).toContain('modelId');
    });

    it('returns the original items behind the point cloud, and their reconstruction errors', async () => {
      const modelId = quick.modelId;
      const { dataset } = await api.describeDataset({
        spec: 'toy:moons',
        options: { limit: 600 },
        preview: 0,
      });
      const { trainCount, testCount } = dataset;
      const cloud = await api.latents({ modelId, limit: trainCount + 20, split: 'all' });
      expect(cloud).toMatchObject({ split: 'all', n: trainCount + 20 });
      expect(cloud.indices).toBeInstanceOf(Int32Array);
      expect(cloud.indices[trainCount]).toBe(trainCount);
      expect(cloud.errors).toBeInstanceOf(Float32Array);
      expect(cloud.errors!.length).toBe(cloud.n);

      const points = [0, 7, trainCount, cloud.n - 1];
      const items = await api.items({
        modelId,
        indices: Int32Array.from(points, (p) => cloud.indices[p]),
        split: cloud.split,
      });
      expect(items.images).toBeInstanceOf(Float32Array);
      expect(items.n).toBe(4);
      expect(items.shape).toEqual([2]);
      expect(items.images.every((v) => v >= 0 && v <= 1)).toBe(true);
      // They are the items the points encode: encoding them gives the cloud's means back…
      const encoded = await api.encode({ modelId, x: items.images, n: 4 });
      points.forEach((p, k) => {
        expect(encoded.means[2 * k]).toBeCloseTo(cloud.means[2 * p], 4);
        expect(encoded.means[2 * k + 1]).toBeCloseTo(cloud.means[2 * p + 1], 4);
      });
      // …and the error is −log p(x | mean z) under the model's Gaussian likelihood.
      const { model } = await api.openModel({ modelId });
      const sigma = model.config.gaussianSigma;
      const decoded = await api.decode({
        modelId,
        z: Float32Array.from(points.flatMap((p) => [cloud.means[2 * p], cloud.means[2 * p + 1]])),
        n: 4,
      });
      points.forEach((p, k) => {
        let sq = 0;
        for (let i = 0; i < 2; i++)
          sq += (items.images[2 * k + i] - decoded.images[2 * k + i]) ** 2;
        const nll = sq / (2 * sigma * sigma) + 2 * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
        expect(cloud.errors![p]).toBeCloseTo(nll, 2);
      });

      // Test items are numbered after the training items under `all`.
      const first = await api.items({ modelId, indices: Int32Array.from([0]), split: 'test' });
      const same = await api.items({ modelId, indices: Int32Array.from([trainCount]) });
      expect(same.images).toEqual(first.images);

      const past = await rejection(
        api.items({ modelId, indices: Int32Array.from([1, trainCount + testCount]) }),
      );
      expect(past.code).toBe('invalid-params');
      expect(past.message).toBe(
        `indices[1] = ${trainCount + testCount} is out of range: the train and test splits of "toy:moons" have ${trainCount + testCount} items (0 to ${trainCount + testCount - 1})`,
      );
      const pastTest = await rejection(
        api.items({ modelId, indices: Int32Array.from([testCount]), split: 'test' }),
      );
      expect(pastTest.message).toContain(`the test split of "toy:moons" has ${testCount} items`);
      const tooMany = await rejection(api.items({ modelId, indices: new Int32Array(1025) }));
      expect(tooMany.code).toBe('invalid-params');
      expect(tooMany.message).toContain('indices: expected 1 to 1024 indices, got 1025');
      const plain = await rejection(
        api.items({ modelId, indices: [0, 1] as unknown as Int32Array }),
      );
      expect(plain.message).toContain('indices: expected an Int32Array, got a plain array');
      const negative = await rejection(api.items({ modelId, indices: Int32Array.from([-1]) }));
      expect(negative.message).toContain('indices[0] = -1 is negative');
      const unknown = await rejection(
        api.items({ modelId: 'no-such-model', indices: Int32Array.from([0]) }),
      );
      expect(unknown.code).toBe('not-found');
    });

    it('describes a dataset without importing it', async () => {
      const { dataset } = await api.describeDataset({
        spec: 'toy:moons',
        options: { limit: 600 },
        preview: 5,
      });
      expect(dataset).toMatchObject({
        spec: 'toy:moons',
        itemShape: [2],
        labelNames: ['upper', 'lower'],
        warnings: [],
      });
      expect(dataset.trainCount).toBeGreaterThan(dataset.testCount);
      expect(dataset.preview.n).toBe(5);
      expect(dataset.preview.shape).toEqual([2]);
      expect(dataset.preview.images).toBeInstanceOf(Float32Array);
      expect(dataset.preview.images.length).toBe(10);
      expect(dataset.preview.indices).toBeInstanceOf(Int32Array);
      expect(dataset.preview.labels).toBeInstanceOf(Int32Array);

      const unknown = await rejection(api.describeDataset({ spec: 'cifar10' }));
      expect(unknown.code).toBe('invalid-params');
      expect(unknown.message).toContain('cannot open dataset "cifar10": unknown dataset');
      const missing = await rejection(
        api.describeDataset({ spec: `folder:${path.join(t.scratchDir, 'nothing-here')}` }),
      );
      expect(missing.code).toBe('invalid-params');
      const badSize = await rejection(
        api.describeDataset({ spec: 'shapes', options: { size: 2 } }),
      );
      expect(badSize.message).toContain('options.size');
      const plainPreview = await rejection(api.describeDataset({ spec: 'toy:moons', preview: 99 }));
      expect(plainPreview.message).toContain('preview');
      const { datasets } = await api.listDatasets();
      expect(datasets.some((d) => d.imported)).toBe(false);
    });

    it('reports how the encoded data covers the prior', async () => {
      const { report, n, dim } = await api.coverage({
        modelId: quick.modelId,
        limit: 100,
        seed: 1,
      });
      expect([n, dim]).toEqual([100, 2]);
      expect(report).toMatchObject({ n: 100, d: 2, prior: 'gaussian' });
      expect(report).toHaveProperty('mardia');
      expect(report).toHaveProperty('active_units');
    });

    it('lists, opens, renames and deletes models in the library', async () => {
      const { models } = await api.listModels();
      const ids = models.map((m) => m.modelId);
      expect(ids).toEqual(expect.arrayContaining([quick.modelId, slow.modelId]));
      const q = models.find((m) => m.modelId === quick.modelId)!;
      expect(q).toMatchObject({ name: 'quick moons', epoch: 3, training: false, net: 'mlp' });
      expect(q.dataset?.spec).toBe('toy:moons');

      const renamed = await api.renameModel({ modelId: quick.modelId, name: 'Moons, renamed' });
      expect(renamed.model.name).toBe('Moons, renamed');
      const opened = await api.openModel({ modelId: quick.modelId });
      expect(opened.model).toMatchObject({ name: 'Moons, renamed', hasEncoder: true });
      expect(opened.model.config.latent.dim).toBe(2);

      expect(await api.deleteModel({ modelId: slow.modelId })).toEqual({ modelId: slow.modelId });
      expect(existsSync(path.join(t.libraryDir, slow.modelId))).toBe(false);
      expect((await api.listModels()).models.map((m) => m.modelId)).not.toContain(slow.modelId);
      expect(seen.modelsChanged.length).toBeGreaterThan(0);
    });

    it('saves, lists and deletes attribute vectors and selections in the model folder', async () => {
      const modelId = quick.modelId;
      expect((await api.listVectors({ modelId })).vectors).toEqual([]);
      const params = {
        modelId,
        name: 'upper',
        vector: Float32Array.from([0.5, -1]),
        base: Float32Array.from([0.25, 0.125]),
        sphere: false,
        auc: 0.8,
        from: { group: 'label:0', description: 'label 0', n: 40 },
        to: { group: 'label:1', description: 'label 1', n: 60 },
      };
      const { vector } = await api.saveVector(params);
      expect(vector).toMatchObject({ name: 'upper', dim: 2, sphere: false, auc: 0.8 });
      expect(vector.length).toBeCloseTo(Math.hypot(0.5, 1), 6);
      expect(vector.from).toEqual({ group: 'label:0', description: 'label 0', n: 40 });
      const folder = path.join(t.libraryDir, modelId, 'vectors');
      expect(existsSync(path.join(folder, 'upper.npy'))).toBe(true);
      expect(existsSync(path.join(folder, 'upper.base.npy'))).toBe(true);
      const [listed] = (await api.listVectors({ modelId })).vectors;
      expect(listed.name).toBe('upper');
      expect(Array.from(listed.vector)).toEqual([0.5, -1]);
      expect(Array.from(listed.basePoint)).toEqual([0.25, 0.125]);
      expect((await rejection(api.saveVector(params))).code).toBe('refused');
      await api.saveVector({ ...params, auc: 0.9, overwrite: true });
      expect((await api.listVectors({ modelId })).vectors[0].auc).toBe(0.9);
      expect(await api.deleteVector({ modelId, name: 'upper' })).toEqual({ deleted: true });
      expect(await api.deleteVector({ modelId, name: 'upper' })).toEqual({ deleted: false });
      expect(existsSync(path.join(folder, 'upper.npy'))).toBe(false);
      expect((await rejection(api.listVectors({ modelId: 'no-such-model' }))).code).toBe(
        'not-found',
      );
      // A saved selection's indices come back to make a vector from.
      await api.saveSelection({
        modelId,
        name: 'few',
        indices: Int32Array.from([4, 1, 9]),
        split: 'test',
      });
      expect(await api.readSelection({ modelId, name: 'few' })).toEqual({
        indices: Int32Array.from([4, 1, 9]),
        split: 'test',
      });
      expect((await rejection(api.readSelection({ modelId, name: 'none' }))).code).toBe(
        'not-found',
      );
      // Deleted: gone from the list and the folder; a second delete finds none.
      expect((await api.listSelections({ modelId })).selections.map((s) => s.name)).toContain(
        'few',
      );
      expect(await api.deleteSelection({ modelId, name: 'few' })).toEqual({ deleted: true });
      expect(await api.deleteSelection({ modelId, name: 'few' })).toEqual({ deleted: false });
      expect((await api.listSelections({ modelId })).selections.map((s) => s.name)).not.toContain(
        'few',
      );
      const selections = path.join(t.libraryDir, modelId, 'selections');
      expect(existsSync(path.join(selections, 'few.npy'))).toBe(false);
      expect(existsSync(path.join(selections, 'few.json'))).toBe(false);
      expect((await rejection(api.readSelection({ modelId, name: 'few' }))).code).toBe('not-found');
      const refused = await rejection(api.deleteSelection({ modelId, name: '../few' }));
      expect(refused.code).toBe('invalid-params');
      expect(
        (await rejection(api.deleteSelection({ modelId: 'no-such-model', name: 'few' }))).code,
      ).toBe('not-found');
    });

    it('imports a checkpoint folder, refusing one that is not a checkpoint', async () => {
      const imported = await api.importModel({
        path: path.join(t.libraryDir, quick.modelId),
        name: 'Imported',
      });
      expect(imported.model.name).toBe('Imported');
      expect(imported.model.modelId).not.toBe(quick.modelId);
      const empty = path.join(t.scratchDir, 'not-a-checkpoint');
      mkdirSync(empty, { recursive: true });
      const err = await rejection(api.importModel({ path: empty }));
      expect(err.code).toBe('invalid-params');
      expect(err.message).toContain('not a');
    });

    it('imports a PyTorch model exported to ONNX and explores it like a native one', async () => {
      // Copied where every transport may read (serve reads only allowed folders).
      const fixtures = path.join(t.scratchDir, 'onnx');
      cpSync(path.resolve('tests/fixtures/onnx'), fixtures, { recursive: true });
      const before = (await api.listModels()).models.length;
      const refused = await rejection(
        api.importModel({ path: path.join(fixtures, 'not-image.onnx') }),
      );
      expect(refused.code).toBe('invalid-params');
      expect(refused.message).toMatch(/output "scores" \[4, 10\] is not an image/);
      expect((await api.listModels()).models).toHaveLength(before);

      const imported = await api.importModel({
        path: path.join(fixtures, 'mlp-nchw'),
        name: 'From PyTorch',
      });
      expect(imported.model).toMatchObject({ name: 'From PyTorch', format: 'onnx', dataset: null });
      const { modelId } = imported.model;
      // Told which dataset it encodes (the cloud); a dataset of another image size is refused.
      const wrong = await rejection(
        api.setModelDataset({ modelId, dataset: { spec: 'shapes', options: {} } }),
      );
      expect(wrong.message).toMatch(/have shape \[\d+, \d+, \d+\], but model/);
      const { model } = await api.setModelDataset({
        modelId,
        dataset: { spec: 'mnist', options: {} },
      });
      expect(model).toMatchObject({ inputShape: [28, 28, 1] });
      expect(model.dataset?.spec).toBe('mnist');
      const listed = (await api.listModels()).models.find((m) => m.modelId === modelId);
      expect(listed?.dataset?.spec).toBe('mnist');
      expect((await api.openModel({ modelId })).model.hasEncoder).toBe(true);
      const cloud = await api.latents({ modelId, limit: 200, split: 'test' });
      expect(cloud).toMatchObject({ n: 200, dim: 4 });
      expect(cloud.means.every(Number.isFinite)).toBe(true);
      const z = Float32Array.from([0, 0, 0, 0, 1, -0.5, 0.25, 2]);
      const decoded = await api.decode({ modelId, z, n: 2 });
      expect(decoded.shape).toEqual([28, 28, 1]);
      expect(decoded.images).toHaveLength(2 * 784);
      const sampled = await api.samplePrior({ modelId, n: 4, seed: 1 });
      expect(sampled.images).toHaveLength(4 * 784);
      const graph = await api.decoderOnnx({ modelId });
      expect(graph).toMatchObject({ latentDim: 4, layout: 'nchw', range: 'probs' });
      expect(await api.decoderWeights({ modelId })).toHaveProperty('unsupported');
      const coverage = await api.coverage({ modelId, limit: 300 });
      expect(coverage.report.prior).toBe('gaussian');
      await api.deleteModel({ modelId });
    });

    it('imports an embedding without a decoder: its vectors are the cloud, with their metadata', async () => {
      // The Projector's files (tests/fixtures/embedding/make.ts), where every transport may read.
      const pond = path.join(t.scratchDir, 'pond');
      cpSync(path.resolve('tests/fixtures/embedding/pond'), pond, { recursive: true });
      const before = (await api.listModels()).models.length;
      const short = path.join(t.scratchDir, 'pond-short');
      cpSync(pond, short, { recursive: true });
      const rows = readFileSync(path.join(short, 'metadata.tsv'), 'utf8').split('\n');
      writeFileSync(path.join(short, 'metadata.tsv'), rows.slice(0, 40).join('\n'));
      const refused = await rejection(api.importModel({ path: short }));
      expect(refused.code).toBe('invalid-params');
      expect(refused.message).toMatch(
        /metadata\.tsv has 39 rows after its header but vectors\.npy has 60 vectors/,
      );
      expect((await api.listModels()).models).toHaveLength(before);

      const { model } = await api.importModel({ path: pond, name: 'Pond' });
      expect(model).toMatchObject({
        name: 'Pond',
        format: 'embedding',
        dataset: null,
        inputShape: [8, 8, 3],
        latent: { kind: 'gaussian', dim: 6 },
      });
      const { modelId } = model;
      const listed = (await api.listModels()).models.find((m) => m.modelId === modelId);
      expect(listed?.format).toBe('embedding');
      expect((await api.openModel({ modelId })).model.hasEncoder).toBe(false);
      const vectors = (await readNpy(path.join(pond, 'vectors.npy'))).data as Float32Array;
      for (const limit of [50, 50]) {
        // Twice: the second answer is not a cached cloud without the metadata.
        const cloud = await api.latents({ modelId, limit });
        expect(cloud).toMatchObject({ n: 50, dim: 6, labels: null, split: 'all' });
        expect(cloud.source).not.toBe('cache');
        expect(Array.from(cloud.means)).toEqual(Array.from(vectors.subarray(0, 300)));
        expect(Array.from(cloud.indices)).toEqual(Array.from({ length: 50 }, (_, i) => i));
        expect(cloud.metadata?.map((c) => [c.name, c.kind])).toEqual([
          ['name', 'category'],
          ['species', 'category'],
          ['size', 'number'],
          ['note', 'category'],
        ]);
        const species = cloud.metadata![1];
        if (species.kind !== 'category') throw new Error('species is categorical');
        expect(species.categories[species.codes[1]]).toBe('otter');
      }
      const items = await api.items({ modelId, indices: Int32Array.from([1, 59]) });
      expect(items).toMatchObject({ n: 2, shape: [8, 8, 3] });
      expect(Math.round(items.images[0] * 255)).toBe(225);
      const coverage = await api.coverage({ modelId, limit: 60 });
      expect(coverage).toMatchObject({ n: 60, dim: 6 });
      expect(coverage.report.prior).toBe('gaussian');
      expect(coverage.report.warnings.join(' ')).toMatch(/no prior of its own/);
      const decode = await rejection(api.decode({ modelId, z: new Float32Array(6), n: 1 }));
      expect(decode.code).toBe('unavailable');
      expect(decode.message).toBe(
        `model "${modelId}": an imported embedding has no decoder: its points are given vectors`,
      );
      const sample = await rejection(api.samplePrior({ modelId, n: 4, seed: 1 }));
      expect(sample.message).toMatch(/has no decoder/);
      const encode = await rejection(api.encode({ modelId, x: new Float32Array(192), n: 1 }));
      expect(encode.message).toMatch(/has no encoder/);
      expect(await api.decoderWeights({ modelId })).toHaveProperty('unsupported');
      expect(await api.decoderOnnx({ modelId })).toHaveProperty('unsupported');
      await api.deleteModel({ modelId });
    });

    it('continues training a library model from its checkpoint', async () => {
      const { job } = await api.continueTraining({
        modelId: quick.modelId,
        epochs: 1,
        latentLimit: 0,
      });
      expect(job.epochs).toBe(4);
      await until(() => stateOf(job.jobId) === 'completed', 'the continued job to complete');
      expect((await api.openModel({ modelId: quick.modelId })).model.epoch).toBe(4);
    });

    it('imports a folder of images as a dataset', async () => {
      const folder = path.join(t.scratchDir, 'icons');
      for (const cls of ['a', 'b']) {
        mkdirSync(path.join(folder, cls), { recursive: true });
        for (let i = 0; i < 4; i++) {
          const pixels = Buffer.alloc(8 * 8, cls === 'a' ? 40 * i : 255 - 40 * i);
          await sharp(pixels, { raw: { width: 8, height: 8, channels: 1 } })
            .png()
            .toFile(path.join(folder, cls, `${i}.png`));
        }
      }
      const { dataset } = await api.importFolderDataset({ path: folder, size: 8, channels: 1 });
      expect(dataset.itemShape).toEqual([8, 8, 1]);
      expect(dataset.trainCount + dataset.testCount).toBe(8);
      expect(dataset.labelNames).toEqual(['a', 'b']);
      expect(dataset.preview.n).toBe(Math.min(8, dataset.trainCount));
      expect(dataset.preview.images.length).toBe(dataset.preview.n * 64);

      // Described at another size: the item shape follows it; large items come as thumbnails.
      const described = await api.describeDataset({
        spec: `folder:${folder}`,
        options: { size: 128, channels: 3 },
        preview: 2,
      });
      expect(described.dataset.itemShape).toEqual([128, 128, 3]);
      expect(described.dataset.trainCount + described.dataset.testCount).toBe(8);
      expect(described.dataset.preview.shape).toEqual([64, 64, 3]);
      expect(described.dataset.preview.images.length).toBe(2 * 64 * 64 * 3);
      expect(described.dataset.preview.images.every((v) => v >= 0 && v <= 1)).toBe(true);
      const { datasets } = await api.listDatasets();
      expect(datasets.find((d) => d.imported)?.spec).toBe(`folder:${folder}`);
      const bad = await rejection(
        api.importFolderDataset({ path: path.join(t.scratchDir, 'nothing-here') }),
      );
      expect(bad.code).toBe('invalid-params');
    });

    it('exports PNG contact sheets and NPY arrays', async () => {
      const images = new Float32Array(6 * 4 * 4).map((_, i) => (i % 16) / 15);
      const sheet = await api.exportPng({ images, n: 6, shape: [4, 4, 1], columns: 3, scale: 2 });
      expect(sheet.png).toBeInstanceOf(Uint8Array);
      expect(Array.from(sheet.png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
      const meta = await sharp(sheet.png).metadata();
      expect([meta.width, meta.height]).toEqual([(3 * 5 - 1) * 2, (2 * 5 - 1) * 2]);

      const file = path.join(t.scratchDir, 'out', 'z.npy');
      const npy = await api.exportNpy({
        data: Float32Array.from([1, 2, 3, 4, 5, 6]),
        shape: [2, 3],
        path: file,
      });
      expect(npy.path).toBe(file);
      const bytes = readFileSync(file);
      expect(bytes.subarray(1, 6).toString()).toBe('NUMPY');
      expect(bytes.toString('latin1')).toContain("'shape': (2, 3)");
      expect(
        new Float32Array(
          bytes.buffer.slice(bytes.byteOffset + bytes.length - 24, bytes.byteOffset + bytes.length),
        ),
      ).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
      rmSync(path.dirname(file), { recursive: true, force: true });

      const emptyPath = await rejection(
        api.exportPng({ images: new Float32Array(4), n: 2, shape: [1, 2, 1], path: '' }),
      );
      expect(emptyPath.code).toBe('invalid-params');
    });

    it('exports a captioned contact sheet with its latents beside it, and never replaces a file unasked', async () => {
      const images = new Float32Array(3 * 4 * 4).fill(0.8);
      const file = path.join(t.scratchDir, 'out', 'sheet.png');
      const sidecar = JSON.stringify({ favourites: [{ origin: 'data mean', z: [0, 1] }] });
      const plain = await api.exportPng({ images, n: 3, shape: [4, 4, 1], scale: 8 });
      const sheet = await api.exportPng({
        images,
        n: 3,
        shape: [4, 4, 1],
        scale: 8,
        title: 'mnist · 3 favourites',
        captions: ['one <data mean>', 'two', 'three'],
        path: file,
        sidecar,
      });
      expect(sheet.path).toBe(file);
      // Captions and a title make the sheet larger than the bare grid, and drawn text lights pixels.
      const bare = await sharp(plain.png).metadata();
      const meta = await sharp(readFileSync(file)).metadata();
      expect(meta.height!).toBeGreaterThan(bare.height!);
      expect(readFileSync(path.join(t.scratchDir, 'out', 'sheet.json'), 'utf8')).toBe(sidecar);

      const again = await rejection(
        api.exportPng({ images, n: 3, shape: [4, 4, 1], path: file, sidecar }),
      );
      expect(again.message).toMatch(/exists/);
      const replaced = await api.exportPng({
        images,
        n: 3,
        shape: [4, 4, 1],
        path: file,
        overwrite: true,
        sidecar: '{}',
      });
      expect(replaced.path).toBe(file);
      expect(readFileSync(path.join(t.scratchDir, 'out', 'sheet.json'), 'utf8')).toBe('{}');
      rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it('answers that native dialogs exist only in the desktop app', async () => {
      const err = await rejection(api.chooseFolder());
      expect(err.code).toBe('unavailable');
    });
  });
}
