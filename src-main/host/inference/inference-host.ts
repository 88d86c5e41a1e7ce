import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listDatasets, openDataset } from '../../engine/data/registry';
import { listGeometries } from '../../engine/latent/registry';
import { listObjectives } from '../../engine/objectives/registry';
import { listFlows } from '../../engine/flows/registry';
import { contactSheet } from '../../engine/io/contact-sheet';
import { imageGrid, encodePng } from '../../engine/io/image';
import type { BackendReport } from '../../engine/backend';
import { AtlasError } from '../../api/errors';
import { sidecarPath } from '../../api/sidecar';
import type { ParsedParams, Result } from '../../api/contract';
import type { FromInference } from '../../api/host-protocol';
import { ToInference, type InferenceMethod } from '../../api/host-protocol';
import type { DatasetEntry, LatentSnapshot } from '../../api/records';
import { describeIssues, parseParams } from '../../api/validate';
import { DatasetCache } from './dataset-cache';
import { summarizeDataset } from './dataset-summary';
import { datasetItems, joinSnapshots, latentSnapshot } from './latent-snapshot';
import {
  checkpointStamp,
  servesCheckpoint,
  weightsVersion,
  writeLatentCache,
} from './latent-cache';
import { decoderWeights } from './decoder-weights';
import { onnxDecoder } from './onnx-decoder';
import { openModel } from '../../engine/io/open-model';
import { OnnxModel } from '../../engine/onnx/onnx-model';
import { updateSidecar } from '../../engine/onnx/onnx-sidecar';
import { currentLiveWeights } from '../training/live-weights';
import {
  copyIntoLibrary,
  deleteModel,
  listModels,
  modelDetail,
  modelDir,
  modelInfo,
  renameModel,
  seedLibrary,
  tidyLibrary,
} from '../library/library';
import { readLibraryState, updateLibraryState } from '../library/library-state';
import { ModelCache, type LoadedModel } from './model-cache';
import { encodeNpy } from '../../shared/maths/npy';
import { coverageOf } from './coverage';
import {
  embeddingCoverage,
  embeddingItems,
  embeddingOf,
  embeddingSnapshot,
  noDecoder,
  noEncoder,
} from './embedding';
import { embeddingSource } from '../library/embedding-files';
import { importEmbeddingIntoLibrary } from '../library/embedding-import';
import { deleteSelection, listSelections, saveSelection } from './selections';
import { deleteVector, listVectors, readSavedSelection, saveVector } from './vectors';
import { deleteBookmark, listBookmarks, saveBookmark } from './bookmarks';
import type { ParentPort } from '../process/parent-port';

/** Thumbnails `importFolderDataset` returns with its summary. */
const DEFAULT_PREVIEW = 8;

type Handlers = { [M in InferenceMethod]: (params: ParsedParams<M>) => Promise<Result<M>> };

/**
 * The inference host: answers model requests (decode, encode, sample, coverage, export) and does
 * the library chores, in a process of its own so that neither training nor the window's thread
 * waits on TensorFlow.js. Models are reloaded when their checkpoint changes, so a model being
 * trained is decoded with its latest epoch's weights.
 */
export function runInferenceHost(port: ParentPort, backend: BackendReport): void {
  let libraryDir: string | undefined;
  const library = () => {
    if (!libraryDir) throw new AtlasError('unavailable', 'the inference host was not initialised');
    return libraryDir;
  };
  const models = new ModelCache(
    (id) => modelDir(library(), id),
    8,
    (id) => currentLiveWeights(library(), id),
  );
  const datasets = new DatasetCache();
  /** The last cloud encoded per model (a few models): a larger request extends it. */
  const recentLatents = new Map<string, { snapshot: LatentSnapshot; n: number; limit: number }>();
  /**
   * The weights version of `model` when the copy in memory is its checkpoint as it is on disk
   * now (same stamp, no newer live weights); undefined otherwise (nothing is cached then).
   */
  const cacheVersion = async (model: LoadedModel): Promise<string | undefined> => {
    if (model.version !== (await checkpointStamp(model.dir))) return undefined;
    if (!(await servesCheckpoint(library(), model.modelId))) return undefined;
    return weightsVersion(model.dir);
  };

  const loadModel = (modelId: string): Promise<LoadedModel> => models.get(modelId);
  const requireEncoder = (model: LoadedModel) => {
    if (embeddingOf(model)) throw noEncoder(model.modelId);
    if (!model.model.encoding) {
      throw new AtlasError(
        'unavailable',
        `model "${model.modelId}" has only a decoder: it cannot encode`,
      );
    }
  };
  const modelData = async (model: LoadedModel) => {
    const dataset = model.manifest.dataset;
    if (!dataset)
      throw new AtlasError(
        'unavailable',
        `model "${model.modelId}" does not record the dataset it was trained on`,
      );
    try {
      return await datasets.get({ spec: dataset.spec, options: dataset.options });
    } catch (err) {
      throw new AtlasError(
        'unavailable',
        `cannot open "${dataset.spec}", the dataset model "${model.modelId}" was trained on: ${(err as Error).message}`,
      );
    }
  };

  const handlers: Handlers = {
    async listDatasets() {
      const state = await readLibraryState(library());
      const builtIn: DatasetEntry[] = listDatasets().map((d) => ({ ...d, imported: false }));
      const imported: DatasetEntry[] = state.datasets.map((d) => ({ ...d, imported: true }));
      return { datasets: [...builtIn, ...imported] };
    },
    async listModelParts() {
      return { geometries: listGeometries(), objectives: listObjectives(), flows: listFlows() };
    },
    async describeDataset({ spec, options, preview }) {
      let split;
      try {
        split = await datasets.get({ spec, options });
      } catch (err) {
        throw new AtlasError(
          'invalid-params',
          `cannot open dataset "${spec}": ${(err as Error).message}`,
        );
      }
      return { dataset: summarizeDataset(split, spec, options, preview) };
    },
    async importFolderDataset({ path: folder, size, channels }) {
      const spec = `folder:${path.resolve(folder)}`;
      const options = { ...(size ? { size } : {}), ...(channels ? { channels } : {}) };
      let split;
      try {
        split = await openDataset(spec, options);
      } catch (err) {
        throw new AtlasError('invalid-params', (err as Error).message);
      }
      // Read just now: later requests for this folder see these files, not an older reading.
      datasets.put({ spec, options }, split);
      const { train, test } = split;
      await updateLibraryState(library(), (state) => {
        state.datasets = state.datasets.filter((d) => d.spec !== spec);
        state.datasets.push({
          spec,
          options,
          description: `${train.name}: ${train.count + test.count} images`,
        });
      });
      return { dataset: summarizeDataset(split, spec, options, DEFAULT_PREVIEW) };
    },
    async listModels() {
      return { models: await listModels(library(), models) };
    },
    async openModel({ modelId }) {
      const model = await loadModel(modelId);
      return { model: modelDetail(model, await readLibraryState(library())) };
    },
    async renameModel({ modelId, name }) {
      await renameModel(library(), modelId, name);
      const model = await loadModel(modelId);
      return { model: modelDetail(model, await readLibraryState(library())) };
    },
    async deleteModel({ modelId }) {
      models.evict(modelId);
      await deleteModel(library(), modelId);
      return { modelId };
    },
    async importModel({ path: source, name, onnx }) {
      const dir = path.resolve(source);
      // A folder of embedding files (vectors, metadata TSV, sprite) is imported as an embedding.
      const embedding = embeddingSource(dir);
      if (embedding) {
        let modelId: string;
        try {
          ({ modelId } = await importEmbeddingIntoLibrary(library(), embedding, name));
        } catch (err) {
          throw new AtlasError(
            'invalid-params',
            `${dir} is not a usable embedding: ${(err as Error).message}`,
          );
        }
        const model = await loadModel(modelId);
        return { model: modelDetail(model, await readLibraryState(library())) };
      }
      // What the import states about an ONNX model goes into its atlas.json in the library.
      const sidecar = { ...onnx };
      // Load it first: a folder that is not a model is refused before anything is copied.
      let manifestName: string;
      try {
        const probe = await openModel(dir, { onnx: sidecar });
        manifestName = probe.manifest.name;
        probe.model.dispose();
      } catch (err) {
        throw new AtlasError(
          'invalid-params',
          `${dir} is not a usable model: ${(err as Error).message}`,
        );
      }
      const modelId = await copyIntoLibrary(library(), dir, name ?? manifestName, { sidecar });
      const model = await loadModel(modelId);
      return { model: modelDetail(model, await readLibraryState(library())) };
    },
    async setModelDataset({ modelId, dataset }) {
      const model = await loadModel(modelId);
      if (model.kind === 'embedding')
        throw new AtlasError(
          'invalid-params',
          `model "${modelId}" is an imported embedding: its points are its vectors, it reads no dataset`,
        );
      if (model.kind !== 'onnx')
        throw new AtlasError(
          'invalid-params',
          `model "${modelId}" records the dataset it was trained on; only a model imported from ONNX is told one`,
        );
      let split;
      try {
        split = await datasets.get({ spec: dataset.spec, options: dataset.options });
      } catch (err) {
        throw new AtlasError(
          'invalid-params',
          `cannot open dataset "${dataset.spec}": ${(err as Error).message}`,
        );
      }
      const shape = split.train.itemShape;
      if (shape.reduce((a, b) => a * b, 1) !== model.model.inputSize)
        throw new AtlasError(
          'invalid-params',
          `the items of "${dataset.spec}" have shape [${shape.join(', ')}], but model "${modelId}" takes [${model.model.config.inputShape.join(', ')}]`,
        );
      await updateSidecar(model.dir, { dataset: dataset.spec, datasetOptions: dataset.options });
      models.evict(modelId);
      const reopened = await loadModel(modelId);
      return {
        model: modelInfo(modelId, reopened.manifest, await readLibraryState(library()), 'onnx'),
      };
    },
    async encode({ modelId, x, n }) {
      const model = await loadModel(modelId);
      requireEncoder(model);
      if (x.length !== n * model.model.inputSize) {
        throw new AtlasError(
          'invalid-params',
          `x holds ${x.length} values; ${n} items of shape [${model.model.config.inputShape.join(', ')}] need ${n * model.model.inputSize}`,
        );
      }
      return { means: await model.model.encode(x, n), n, dim: model.model.latentDim };
    },
    async latents({ modelId, limit, split, cache }) {
      const model = await loadModel(modelId);
      // An embedding's cloud is its vectors: nothing to encode, and nothing cached (the latent
      // cache holds no metadata), so every answer carries its metadata columns.
      const embedding = embeddingOf(model);
      if (embedding)
        return {
          ...(await embeddingSnapshot(embedding, limit)),
          weightsVersion: null,
          source: 'encoded' as const,
        };
      requireEncoder(model);
      const data = await modelData(model);
      // The weights this copy was loaded from, when they are the checkpoint's (not live ones).
      const version = cache ? await cacheVersion(model) : undefined;
      // The first points of this cloud, just sent (the page asks for them first): encode the rest.
      const key = `${modelId}@${model.version}:${split}`;
      const head = recentLatents.get(key);
      const snapshot =
        head && head.n === head.limit && head.n < limit
          ? joinSnapshots(
              head.snapshot,
              await latentSnapshot(model.model, data, limit, split, { from: head.n }),
            )
          : await latentSnapshot(model.model, data, limit, split);
      for (const k of [...recentLatents.keys()])
        if (k.startsWith(`${modelId}@`)) recentLatents.delete(k);
      recentLatents.set(key, { snapshot, n: snapshot.n, limit });
      while (recentLatents.size > 4)
        recentLatents.delete(recentLatents.keys().next().value as string);
      if (version && (await cacheVersion(model)) === version) {
        // Stored for the next open; a failure to store costs only that.
        await writeLatentCache(model.dir, version, limit, snapshot).catch((err: Error) =>
          process.stderr.write(
            `latent-atlas: cannot cache the latents of ${modelId}: ${err.message}\n`,
          ),
        );
      }
      return { ...snapshot, weightsVersion: version ?? null, source: 'encoded' as const };
    },
    async items({ modelId, indices, split }) {
      const model = await loadModel(modelId);
      const embedding = embeddingOf(model);
      if (embedding) return embeddingItems(embedding, modelId, indices);
      const data = await modelData(model);
      const size = data.train.itemShape.reduce((a, b) => a * b, 1);
      if (size !== model.model.inputSize) {
        throw new AtlasError(
          'unavailable',
          `the items of "${data.train.descriptor.spec}" have shape [${data.train.itemShape.join(', ')}] but model "${modelId}" takes [${model.model.config.inputShape.join(', ')}]: the dataset changed since it was trained`,
        );
      }
      return datasetItems(data, indices, split);
    },
    async decode({ modelId, z, n }) {
      const model = await loadModel(modelId);
      if (embeddingOf(model)) throw noDecoder(modelId);
      checkLatents(model, z, n);
      return { images: await model.model.decode(z, n), n, shape: model.manifest.imageShape };
    },
    async decoderWeights({ modelId }) {
      const model = await loadModel(modelId);
      if (embeddingOf(model)) return { unsupported: 'an imported embedding: it has no decoder' };
      if (!model.vae)
        return {
          unsupported: 'an ONNX model: its decoder runs in ONNX Runtime, not as Dense layers',
        };
      return decoderWeights(model.vae, model.manifest.imageShape);
    },
    async decoderOnnx({ modelId }) {
      const model = await loadModel(modelId);
      if (embeddingOf(model)) return { unsupported: 'an imported embedding: it has no decoder' };
      if (!(model.model instanceof OnnxModel))
        return { unsupported: 'not an ONNX model: its decoder runs in TensorFlow.js' };
      return onnxDecoder(model.model);
    },
    async samplePrior({ modelId, n, seed }) {
      const model = await loadModel(modelId);
      if (embeddingOf(model)) throw noDecoder(modelId);
      const z = model.model.samplePrior(n, seed);
      return {
        z,
        images: await model.model.decode(z, n),
        n,
        dim: model.model.latentDim,
        shape: model.manifest.imageShape,
      };
    },
    async coverage({ modelId, limit, seed }) {
      const model = await loadModel(modelId);
      const embedding = embeddingOf(model);
      if (embedding) return embeddingCoverage(embedding, limit, seed);
      requireEncoder(model);
      return coverageOf(model.model, await modelData(model), limit, seed);
    },
    async exportPng(p) {
      const { images, n, shape, columns, scale, path: target, overwrite = false } = p;
      const png = new Uint8Array(
        p.captions || p.title
          ? await contactSheet(images, n, shape, scale, p, columns)
          : await encodePng(imageGrid(images, n, shape, columns), scale),
      );
      if (!target) return { png, path: null };
      // The sidecar first: a refusal (it exists) then leaves nothing half-written.
      if (p.sidecar !== undefined)
        await writeOut(sidecarPath(target), new TextEncoder().encode(p.sidecar), overwrite);
      return { png, path: await writeOut(target, png, overwrite) };
    },
    async exportNpy({ data, shape, path: target, overwrite = false }) {
      const npy = encodeNpy(data, shape);
      return { npy, path: target ? await writeOut(target, npy, overwrite) : null };
    },
    // Saved selections live in the model's folder (selections.ts says how).
    async saveSelection({ modelId, ...selection }) {
      return { selection: await saveSelection(modelDir(library(), modelId), modelId, selection) };
    },
    async listSelections({ modelId }) {
      return { selections: await listSelections(modelDir(library(), modelId), modelId) };
    },
    async deleteSelection({ modelId, name }) {
      return { deleted: await deleteSelection(modelDir(library(), modelId), modelId, name) };
    },
    // Attribute vectors too (vectors.ts).
    async listVectors({ modelId }) {
      return { vectors: await listVectors(modelDir(library(), modelId), modelId) };
    },
    async saveVector({ modelId, ...vector }) {
      return { vector: await saveVector(modelDir(library(), modelId), modelId, vector) };
    },
    async deleteVector({ modelId, name }) {
      return { deleted: await deleteVector(modelDir(library(), modelId), modelId, name) };
    },
    // Named views (bookmarks.ts).
    async listBookmarks({ modelId }) {
      return { bookmarks: await listBookmarks(modelDir(library(), modelId), modelId) };
    },
    async saveBookmark({ modelId, name, state }) {
      return { bookmark: await saveBookmark(modelDir(library(), modelId), modelId, name, state) };
    },
    async deleteBookmark({ modelId, name }) {
      return { deleted: await deleteBookmark(modelDir(library(), modelId), modelId, name) };
    },
    async readSelection({ modelId, name }) {
      return readSavedSelection(modelDir(library(), modelId), modelId, name);
    },
  };

  const send = (message: FromInference) => port.send(message).catch(() => {});
  // Nothing to answer once the supervisor is gone.
  port.onDisconnect(() => process.exit(0));

  port.onMessage(async (raw) => {
    const parsed = ToInference.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown })?.id;
      const error = {
        code: 'invalid-message' as const,
        message: `inference host: ${describeIssues(parsed.error)}`,
      };
      if (typeof id === 'number' && Number.isInteger(id) && id >= 0)
        void send({ type: 'reply', id, ok: false, error });
      return;
    }
    const message = parsed.data;
    if (message.type === 'init') {
      libraryDir = path.resolve(message.libraryDir);
      try {
        if (message.chores) {
          await tidyLibrary(libraryDir);
          await seedLibrary(libraryDir, message.demoDir);
        }
        void send({ type: 'ready', backend });
      } catch (err) {
        await send({
          type: 'fatal',
          message: `cannot prepare the model library ${libraryDir}: ${(err as Error).message}`,
        });
        process.exit(1);
      }
      return;
    }
    if (message.type === 'refresh') {
      await models.refresh(message.modelId);
      return;
    }
    const { id, method } = message;
    try {
      const params = parseParams(method, message.params);
      const handler = handlers[method] as (p: unknown) => Promise<unknown>;
      void send({ type: 'reply', id, ok: true, result: await handler(params) });
    } catch (err) {
      void send({ type: 'reply', id, ok: false, error: AtlasError.from(err).toInfo() });
    }
  });
}

function checkLatents(model: LoadedModel, z: Float32Array, n: number): void {
  const d = model.model.latentDim;
  if (z.length !== n * d) {
    throw new AtlasError(
      'invalid-params',
      `z holds ${z.length} values; ${n} vectors of this model's ${d}-dimensional latent need ${n * d}`,
    );
  }
  if (!z.every(Number.isFinite))
    throw new AtlasError('invalid-params', 'z contains NaN or infinite values');
}

/**
 * Writes an export. Without `overwrite` an existing file is never replaced ('wx' fails with
 * EEXIST), whatever a caller checked before: the check and the write are one step.
 */
async function writeOut(target: string, bytes: Uint8Array, overwrite: boolean): Promise<string> {
  const file = path.resolve(target);
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, bytes, { flag: overwrite ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new AtlasError('refused', `${file} exists; ask to overwrite it to replace it`);
    throw err;
  }
  return file;
}
