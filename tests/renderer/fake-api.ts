import { createAtlasApi } from '../../src-main/api/atlas-api';
import { listDatasets } from '../../src-main/engine/data/registry';
import { listGeometries } from '../../src-main/engine/latent/registry';
import { listObjectives } from '../../src-main/engine/objectives/registry';
import { listFlows } from '../../src-main/engine/flows/registry';
import type { AtlasApi } from '../../src-main/api/atlas-api';
import type { EventPayload, ParsedParams, Result } from '../../src-main/api/contract';
import { AtlasError } from '../../src-main/api/errors';
import type { EventName, MethodName } from '../../src-main/api/names';
import type { JobInfo, ModelDetail, ModelInfo, OnnxDecoder } from '../../src-main/api/records';
import { parseParams, parseResult } from '../../src-main/api/validate';
import { createRng } from '../../src-renderer/lib/rng';
import { fixtureReport } from '../coverage/report-fixture';
import type { CloudData } from '../../src-renderer/stores/cloud.svelte';
import type { VectorRecord } from '../../src-main/shared/vector-index';

/**
 * An in-memory engine behind the real AtlasApi shape (createAtlasApi), validating every request
 * and every result against the contract, so component tests catch a page that sends what the
 * engine would refuse. Images are 8×8 grey; pixel p of the image of z is sigmoid(z₀·cos p + z₁·sin p),
 * so different latents give visibly different images.
 */
export const SIDE = 8;

export interface FakeEngine {
  api: AtlasApi;
  calls: { method: MethodName; params: unknown }[];
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  models: ModelInfo[];
  /** Resolves pending `decode` calls manually when set (to test latest-only behaviour). */
  holdDecodes: boolean;
  /** Whether latent snapshots carry per-point reconstruction errors (`errorOf`). */
  withErrors: boolean;
  /** Whether `items` answers (false: it fails as for a model whose data moved). */
  withItems: boolean;
  /**
   * Whether `decoderWeights` answers with a dense stack (computing exactly what `decode` does);
   * false: it answers `unsupported`, as for a conv decoder, and the page asks `decode`.
   */
  withWeights: boolean;
  /**
   * ONNX decoder graphs `decoderOnnx` sends, by model id (fakeOnnxDecoder in fake-onnx.ts builds
   * one that computes what `decode` does); every other model answers `unsupported`.
   */
  onnxGraphs: Map<string, OnnxDecoder>;
  /** Scales every logit: change it, then emit `weightsChanged`, to mimic a training step. */
  weightScale: number;
  /** How long each request takes to answer (ms); none by default. Replies may then cross. */
  delayMs?: (method: MethodName, params: unknown) => number;
  release(): void;
  /** UMAPs stored with `saveProjection`, by model id; `latents` sends them back (a cache). */
  projections: Map<string, Float32Array>;
  /** Uploads as the fake received them: kind, name, bytes per file, and whether finished. */
  uploads: Map<string, FakeUpload>;
  /** Selections saved with `saveSelection`, by model id, then name: the item indices and split. */
  selections: Map<
    string,
    Map<string, { indices: Int32Array; split: string; description?: string }>
  >;
  /** Bookmarks saved with `saveBookmark`, by model id, then name. */
  bookmarks: Map<string, Map<string, { name: string; state: string; savedAt: string }>>;
  /** Attribute vectors saved with `saveVector`, by model id, then name (record and arrays). */
  vectors: Map<string, Map<string, FakeVector>>;
  /** Holds every `uploadChunk` reply until `releaseUploads` (to see the progress line). */
  holdUploads: boolean;
  releaseUploads(): void;
}

export interface FakeVector {
  record: VectorRecord;
  vector: Float32Array;
  base: Float32Array;
}

export interface FakeUpload {
  kind: 'checkpoint' | 'images';
  name: string;
  totalBytes: number;
  files: Map<string, number>;
  finished: boolean;
}

/** The weights version the fake engine reports for every model. */
export const FAKE_WEIGHTS_VERSION = '00000000000000aa';

function modelInfo(
  id: string,
  name: string,
  kind: 'gaussian' | 'sphere',
  dim: number,
  demo = true,
): ModelInfo {
  return {
    modelId: id,
    name,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    epoch: 10,
    inputShape: [SIDE, SIDE, 1],
    latent: { kind, dim },
    objective: 'kl',
    net: 'mlp',
    dataset: { spec: 'mnist', options: {} },
    training: false,
    demo,
    testElbo: -101.5,
  };
}

export function decodeImages(z: Float32Array, n: number, dim: number, scale = 1): Float32Array {
  const size = SIDE * SIDE;
  const out = new Float32Array(n * size);
  for (let r = 0; r < n; r++) {
    const a = z[r * dim] ?? 0;
    const b = z[r * dim + 1] ?? 0;
    for (let p = 0; p < size; p++)
      out[r * size + p] = 1 / (1 + Math.exp(-scale * (a * Math.cos(p) + b * Math.sin(p))));
  }
  return out;
}

/**
 * `decodeImages` as a dense stack: relu([z₀, −z₀, z₁, −z₁]), then logits
 * scale · ((h₀ − h₁) cos p + (h₂ − h₃) sin p) = scale · (z₀ cos p + z₁ sin p).
 */
export function decoderWeightsFor(dim: number, scale = 1) {
  const size = SIDE * SIDE;
  const hidden = new Float32Array(dim * 4);
  hidden.set([1, -1, 0, 0], 0);
  if (dim > 1) hidden.set([0, 0, 1, -1], 4);
  const logits = new Float32Array(4 * size);
  for (let p = 0; p < size; p++) {
    logits[p] = scale * Math.cos(p);
    logits[size + p] = -scale * Math.cos(p);
    logits[2 * size + p] = scale * Math.sin(p);
    logits[3 * size + p] = -scale * Math.sin(p);
  }
  return {
    layers: [
      {
        kernel: hidden,
        bias: new Float32Array(4),
        inputs: dim,
        units: 4,
        activation: 'relu' as const,
      },
      {
        kernel: logits,
        bias: new Float32Array(size),
        inputs: 4,
        units: size,
        activation: 'linear' as const,
      },
    ],
    output: 'logits' as const,
    shape: [SIDE, SIDE, 1],
  };
}

/** The fake dataset's size (`items` refuses indices past it). */
export const ITEM_COUNT = 1000;

/** The reconstruction error the fake sends for point r with label l. */
export function errorOf(r: number, label: number): number {
  return 40 + 10 * label + r / 100;
}

/** Original item i of the fake dataset: a ramp, unlike any decoded image. */
export function originalImage(i: number, size = SIDE * SIDE): Float32Array {
  return Float32Array.from({ length: size }, (_, p) => ((i * 7 + p) % size) / (size - 1));
}

function summary(
  spec: string,
  options: { size?: number; channels?: 1 | 3 },
  itemShape: number[],
  trainCount: number,
  testCount: number,
  labelNames: string[] | undefined,
  previews: number,
) {
  const size = itemShape.reduce((a, b) => a * b, 1);
  const n = Math.min(previews, trainCount);
  const images = new Float32Array(n * size);
  for (let k = 0; k < n; k++) images.set(originalImage(k, size), k * size);
  return {
    spec,
    options,
    name: spec,
    itemShape,
    trainCount,
    testCount,
    ...(labelNames ? { labelNames } : {}),
    warnings: [],
    preview: {
      images,
      n,
      shape: itemShape,
      indices: Int32Array.from({ length: n }, (_, k) => k),
      labels: labelNames ? Int32Array.from({ length: n }, (_, k) => k % labelNames.length) : null,
    },
  };
}

function selectionRecord(name: string, count: number, split: string, description?: string) {
  return {
    name,
    file: `selections/${name}.npy`,
    count,
    split: split as 'all' | 'train' | 'test',
    created: '2024-01-01T00:00:00.000Z',
    ...(description ? { description } : {}),
  };
}

export function createFakeEngine(): FakeEngine {
  const models: ModelInfo[] = [
    modelInfo('mnist-gaussian', 'MNIST · Gaussian d=4', 'gaussian', 4),
    modelInfo('mnist-sphere', 'MNIST · sphere d=3', 'sphere', 3),
  ];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const calls: FakeEngine['calls'] = [];
  const held: (() => void)[] = [];
  const heldUploads: (() => void)[] = [];
  const jobs: JobInfo[] = [];
  const engine: FakeEngine = {
    api: undefined as unknown as AtlasApi,
    calls,
    models,
    holdDecodes: false,
    projections: new Map(),
    uploads: new Map(),
    selections: new Map(),
    vectors: new Map(),
    bookmarks: new Map(),
    holdUploads: false,
    releaseUploads() {
      for (const resolve of heldUploads.splice(0)) resolve();
    },
    withErrors: true,
    withItems: true,
    withWeights: false,
    onnxGraphs: new Map(),
    weightScale: 1,
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    release() {
      for (const h of held.splice(0)) h();
    },
  };

  const find = (id: string): ModelInfo => {
    const m = models.find((x) => x.modelId === id);
    if (!m) throw new AtlasError('not-found', `no model "${id}"`);
    return m;
  };

  const latents = (m: ModelInfo, limit: number) => {
    const n = Math.min(limit, 300);
    const d = m.latent.dim;
    const rng = createRng(42);
    const means = new Float32Array(n * d);
    const labels = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      labels[r] = r % 10;
      let len = 0;
      for (let i = 0; i < d; i++) {
        // Dimension 0 and 1 active, the last one collapsed.
        const scale =
          i === d - 1 && m.latent.kind === 'gaussian' ? 0.01 : 1 + (labels[r] === i ? 2 : 0);
        means[r * d + i] = rng.normal() * scale;
        len += means[r * d + i] ** 2;
      }
      if (m.latent.kind === 'sphere')
        for (let i = 0; i < d; i++) means[r * d + i] /= Math.sqrt(len);
    }
    return {
      means,
      n,
      dim: d,
      labels,
      labelNames: Array.from({ length: 10 }, (_, i) => String(i)),
      // Every third item, so point index and item index differ.
      indices: Int32Array.from({ length: n }, (_, r) => 3 * r),
      split: 'all' as const,
      ...(engine.withErrors
        ? { errors: Float32Array.from({ length: n }, (_, r) => errorOf(r, labels[r])) }
        : {}),
    };
  };

  const handlers: { [M in MethodName]: (p: ParsedParams<M>) => Promise<Result<M>> | Result<M> } = {
    info: () => ({
      version: '0.1.0',
      transport: 'direct',
      backend: { backend: 'cpu', chosen: 'cpu', attempts: [] },
      backendAdvice: {
        mlp: '@tensorflow/tfjs-node would train faster: native libtensorflow on all CPU cores',
        conv: null,
      },
      libraryDir: '/tmp/library',
      dialogs: false,
    }),
    // The engine's own descriptors, so a source registered in a test reaches the form as it would.
    // The engine's own part descriptors, as the inference host serves them.
    listModelParts: () => ({
      geometries: listGeometries(),
      objectives: listObjectives(),
      flows: listFlows(),
    }),
    listDatasets: () => ({
      datasets: listDatasets().map((d) => ({ ...d, imported: false })),
    }),
    describeDataset: (p) => {
      const scheme = p.spec.split(':')[0];
      if (scheme === 'idx' && !p.spec.includes('missing'))
        return { dataset: summary(p.spec, p.options, [16, 16, 1], 50, 10, undefined, p.preview) };
      if (scheme === 'folder' && !p.spec.includes('missing')) {
        const side = p.options.size ?? 32;
        return {
          dataset: summary(
            p.spec,
            p.options,
            [side, side, p.options.channels ?? 1],
            7,
            1,
            ['cats', 'dogs'],
            p.preview,
          ),
        };
      }
      throw new AtlasError('invalid-params', `cannot open dataset "${p.spec}": no such file`);
    },
    importFolderDataset: (p) => ({
      dataset: summary(
        `folder:${p.path}`,
        { size: p.size ?? 32, channels: 1 },
        [p.size ?? 32, p.size ?? 32, 1],
        7,
        1,
        ['cats', 'dogs'],
        8,
      ),
    }),
    startTraining: (p) => {
      const id = `job-${jobs.length + 1}`;
      const job: JobInfo = {
        jobId: id,
        modelId: `model-${jobs.length + 1}`,
        name: p.name ?? 'untitled',
        state: 'running',
        epoch: 0,
        epochs: p.train.epochs,
        startedAt: '2024-01-01T00:00:00.000Z',
      };
      jobs.push(job);
      return { job };
    },
    continueTraining: () => {
      throw new AtlasError('refused', 'not in the fake');
    },
    pauseTraining: (p) => ({ job: { ...jobs.find((j) => j.jobId === p.jobId)!, state: 'paused' } }),
    resumeTraining: (p) => ({
      job: { ...jobs.find((j) => j.jobId === p.jobId)!, state: 'running' },
    }),
    cancelTraining: (p) => ({
      job: { ...jobs.find((j) => j.jobId === p.jobId)!, state: 'cancelled' },
    }),
    listJobs: () => ({ jobs }),
    listModels: () => ({ models }),
    openModel: (p) => {
      const m = find(p.modelId);
      const model: ModelDetail = {
        ...m,
        hasEncoder: true,
        config: {
          inputShape: m.inputShape,
          latent: m.latent,
          objective: { kind: 'kl', weight: 1, warmupSteps: 0, freeBits: 0 },
          net: { kind: 'mlp', hidden: [64], channels: [32, 64], convDense: 256 },
          likelihood: 'bernoulli',
          encoder: 'stochastic',
          gaussianSigma: 0.1,
          logVarClamp: [-10, 10],
        },
      };
      return { model };
    },
    renameModel: (p) => {
      const m = find(p.modelId);
      m.name = p.name;
      return { model: m };
    },
    deleteModel: (p) => {
      const i = models.findIndex((m) => m.modelId === p.modelId);
      if (i >= 0) models.splice(i, 1);
      return { modelId: p.modelId };
    },
    importModel: (p) => {
      const m = modelInfo('imported', p.name ?? 'imported', 'gaussian', 4, false);
      models.push(m);
      return { model: m };
    },
    setModelDataset: (p) => {
      const m = find(p.modelId);
      m.dataset = p.dataset;
      return { model: m };
    },
    encode: (p) => ({ means: new Float32Array(p.n * 4), n: p.n, dim: 4 }),
    latents: (p) => {
      const snapshot = latents(find(p.modelId), p.limit);
      const umap3 = p.cache ? engine.projections.get(p.modelId) : undefined;
      const tsne3 = p.cache ? engine.projections.get(`${p.modelId}#tsne3`) : undefined;
      return {
        ...snapshot,
        weightsVersion: p.cache ? FAKE_WEIGHTS_VERSION : null,
        source: umap3 ? ('cache' as const) : ('encoded' as const),
        ...(umap3 && umap3.length === snapshot.n * 3 ? { umap3 } : {}),
        ...(tsne3 && tsne3.length === snapshot.n * 3 ? { tsne3 } : {}),
      };
    },
    saveProjection: (p) => {
      if (p.weightsVersion !== FAKE_WEIGHTS_VERSION) return { stored: false, reason: 'stale' };
      // UMAPs under the model id (what tests look up), t-SNEs under `id#tsne3`.
      engine.projections.set(p.kind === 'tsne3' ? `${p.modelId}#tsne3` : p.modelId, p.coords);
      return { stored: true };
    },
    items: (p) => {
      const m = find(p.modelId);
      if (!engine.withItems)
        throw new AtlasError('unavailable', `cannot open the dataset of "${p.modelId}"`);
      const bad = p.indices.findIndex((i) => i >= ITEM_COUNT);
      if (bad >= 0)
        throw new AtlasError(
          'invalid-params',
          `indices[${bad}] = ${p.indices[bad]} is out of range`,
        );
      const size = m.inputShape.reduce((a, b) => a * b, 1);
      const images = new Float32Array(p.indices.length * size);
      p.indices.forEach((i, k) => images.set(originalImage(i, size), k * size));
      return { images, n: p.indices.length, shape: m.inputShape };
    },
    decode: async (p) => {
      const m = find(p.modelId);
      if (engine.holdDecodes) await new Promise<void>((resolve) => held.push(resolve));
      return {
        images: decodeImages(p.z, p.n, m.latent.dim, engine.weightScale),
        n: p.n,
        shape: m.inputShape,
      };
    },
    decoderWeights: (p) => {
      const m = find(p.modelId);
      if (!engine.withWeights)
        return { unsupported: 'layer "dec_logits" (Conv2DTranspose) is not a Dense layer' };
      return decoderWeightsFor(m.latent.dim, engine.weightScale);
    },
    decoderOnnx: (p) =>
      engine.onnxGraphs.get(find(p.modelId).modelId) ?? {
        unsupported: 'not an ONNX model: its decoder runs in TensorFlow.js',
      },
    samplePrior: (p) => {
      const m = find(p.modelId);
      const rng = createRng(p.seed + 1);
      const z = Float32Array.from({ length: p.n * m.latent.dim }, () => rng.normal());
      return {
        z,
        images: decodeImages(z, p.n, m.latent.dim, engine.weightScale),
        n: p.n,
        dim: m.latent.dim,
        shape: m.inputShape,
      };
    },
    coverage: (p) => {
      const m = find(p.modelId);
      const d = m.latent.dim;
      // The engine's report shape for the model's prior, with hand-picked figures: heavy tails,
      // a failing radius test, one collapsed dimension and 15% holes.
      const prior = m.latent.kind === 'sphere' || m.latent.kind === 'power-sphere';
      return { n: 300, dim: d, report: fixtureReport(prior ? 'sphere' : 'gaussian', d) };
    },
    exportPng: () => ({ png: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), path: null }),
    exportNpy: () => ({ npy: new Uint8Array([0x93]), path: null }),
    saveSelection: (p) => {
      find(p.modelId);
      const saved = engine.selections.get(p.modelId) ?? new Map();
      engine.selections.set(p.modelId, saved);
      if (saved.has(p.name) && !p.overwrite)
        throw new AtlasError('refused', `a selection named "${p.name}" exists`);
      saved.set(p.name, { indices: p.indices, split: p.split, description: p.description });
      return { selection: selectionRecord(p.name, p.indices.length, p.split, p.description) };
    },
    listSelections: (p) => {
      find(p.modelId);
      const saved = engine.selections.get(p.modelId) ?? new Map();
      return {
        selections: [...saved.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, s]) => selectionRecord(name, s.indices.length, s.split, s.description)),
      };
    },
    deleteSelection: (p) => {
      find(p.modelId);
      return { deleted: engine.selections.get(p.modelId)?.delete(p.name) ?? false };
    },
    listVectors: (p) => {
      find(p.modelId);
      const saved = engine.vectors.get(p.modelId) ?? new Map<string, FakeVector>();
      return {
        vectors: [...saved.values()]
          .map((v) => ({ ...v.record, vector: v.vector, basePoint: v.base }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },
    saveVector: (p) => {
      find(p.modelId);
      const saved = engine.vectors.get(p.modelId) ?? new Map<string, FakeVector>();
      engine.vectors.set(p.modelId, saved);
      if (saved.has(p.name) && !p.overwrite)
        throw new AtlasError('refused', `a vector named "${p.name}" exists`);
      const record: VectorRecord = {
        name: p.name,
        file: `${p.name}.npy`,
        base: `${p.name}.base.npy`,
        created: '2024-01-01T00:00:00.000Z',
        dim: p.vector.length,
        sphere: p.sphere,
        length: Math.hypot(...p.vector),
        auc: p.auc,
        from: { group: p.from.group ?? p.from.description, ...p.from },
        to: { group: p.to.group ?? p.to.description, ...p.to },
        data: null,
        weights: null,
      };
      saved.set(p.name, { record, vector: p.vector, base: p.base });
      return { vector: record };
    },
    deleteVector: (p) => {
      find(p.modelId);
      return { deleted: engine.vectors.get(p.modelId)?.delete(p.name) ?? false };
    },
    listBookmarks: (p) => {
      find(p.modelId);
      return { bookmarks: [...(engine.bookmarks.get(p.modelId)?.values() ?? [])] };
    },
    saveBookmark: (p) => {
      find(p.modelId);
      const saved = engine.bookmarks.get(p.modelId) ?? new Map();
      engine.bookmarks.set(p.modelId, saved);
      const bookmark = { name: p.name, state: p.state, savedAt: '2024-01-01T00:00:00.000Z' };
      saved.set(p.name, bookmark);
      return { bookmark };
    },
    deleteBookmark: (p) => {
      find(p.modelId);
      return { deleted: engine.bookmarks.get(p.modelId)?.delete(p.name) ?? false };
    },
    readSelection: (p) => {
      find(p.modelId);
      const saved = engine.selections.get(p.modelId)?.get(p.name);
      if (!saved) throw new AtlasError('not-found', `no selection "${p.name}"`);
      return { indices: saved.indices, split: saved.split as 'all' | 'train' | 'test' };
    },
    uploadBegin: (p) => {
      const uploadId = `up-${engine.uploads.size + 1}`;
      engine.uploads.set(uploadId, {
        kind: p.kind,
        name: p.name,
        totalBytes: p.totalBytes,
        files: new Map(),
        finished: false,
      });
      return { uploadId, maxChunkBytes: 8 * 1024 * 1024 };
    },
    uploadChunk: async (p) => {
      const upload = engine.uploads.get(p.uploadId);
      if (!upload || upload.finished) throw new AtlasError('not-found', 'no such upload');
      const have = upload.files.get(p.entry) ?? 0;
      if (have !== p.offset) throw new AtlasError('invalid-params', `${p.entry}: out of order`);
      upload.files.set(p.entry, have + p.bytes.length);
      if (engine.holdUploads) await new Promise<void>((resolve) => heldUploads.push(resolve));
      return { received: [...upload.files.values()].reduce((a, b) => a + b, 0) };
    },
    uploadFinish: (p) => {
      const upload = engine.uploads.get(p.uploadId);
      if (!upload || upload.finished) throw new AtlasError('not-found', 'no such upload');
      const received = [...upload.files.values()].reduce((a, b) => a + b, 0);
      if (received !== upload.totalBytes)
        throw new AtlasError('invalid-params', `upload "${upload.name}" is incomplete`);
      upload.finished = true;
      if (upload.kind === 'checkpoint') {
        const m = modelInfo(`uploaded-${p.uploadId}`, upload.name, 'gaussian', 4, false);
        models.push(m);
        return { model: m };
      }
      const spec = `folder:/tmp/library/uploads/${p.uploadId}`;
      return {
        spec,
        dataset: summary(spec, { size: 32, channels: 1 }, [32, 32, 1], 7, 1, ['cats', 'dogs'], 8),
      };
    },
    uploadCancel: (p) => ({ cancelled: engine.uploads.delete(p.uploadId) }),
    chooseFolder: () => {
      throw new AtlasError('unavailable', 'no dialogs in a browser');
    },
    chooseCheckpoint: () => {
      throw new AtlasError('unavailable', 'no dialogs in a browser');
    },
    chooseSavePath: () => {
      throw new AtlasError('unavailable', 'no dialogs in a browser');
    },
  };

  engine.api = createAtlasApi(
    async (method, params) => {
      calls.push({ method, params });
      const delay = engine.delayMs?.(method, params) ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        const parsed = parseParams(method, params);
        const handler = handlers[method] as (p: unknown) => unknown;
        const result = parseResult(method, await handler(parsed));
        return { ok: true, result };
      } catch (error) {
        return { ok: false, error: AtlasError.from(error).toInfo() };
      }
    },
    (event, listener) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return () => void listeners.get(event)?.delete(listener);
    },
  );
  return engine;
}

/** A `trainingLatents` event of job `jobId` at `epoch` that re-sends cloud `d`, with `changes`. */
export function latentsEvent(
  d: CloudData,
  jobId: string,
  epoch: number,
  changes: Partial<EventPayload<'trainingLatents'>> = {},
): EventPayload<'trainingLatents'> {
  const { modelId, means, n, dim, labels, labelNames, indices, split } = d;
  return { jobId, epoch, modelId, means, n, dim, labels, labelNames, indices, split, ...changes };
}
