import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { CheckpointManifest } from '../../engine/io/checkpoint';
import { openModel, type ModelFormat } from '../../engine/io/open-model';
import type { LatentModel } from '../../engine/model/latent-model';
import type { Vae } from '../../engine/model/model';
import { AtlasError } from '../../api/errors';

export interface LoadedModel {
  modelId: string;
  dir: string;
  model: LatentModel;
  /** The TensorFlow.js model behind `model` (null for ONNX models and embeddings), for its layers. */
  vae: Vae | null;
  manifest: CheckpointManifest;
  kind: ModelFormat;
  /** What loading noticed that does not stop it (degenerate weights), one line each. */
  warnings: string[];
  /** The checkpoint file time this copy was loaded from. */
  version: number;
}

/** The file whose time changes whenever a checkpoint is rewritten (saves swap whole folders). */
function versionFile(dir: string): string {
  for (const candidate of [
    'manifest.json',
    'model.json',
    path.join('decoder', 'model.json'),
    'decoder.onnx',
    // An imported embedding: written last by its import, never rewritten.
    'embedding.json',
  ]) {
    const file = path.join(dir, candidate);
    if (existsSync(file)) return file;
  }
  return path.join(dir, 'manifest.json');
}

async function versionOf(dir: string): Promise<number | undefined> {
  try {
    const info = await stat(versionFile(dir));
    // An ONNX model's atlas.json says how to read it: a change there is a new version too.
    const sidecar = await stat(path.join(dir, 'atlas.json')).catch(() => undefined);
    return Math.max(info.mtimeMs, sidecar?.mtimeMs ?? 0);
  } catch {
    return undefined;
  }
}

/**
 * Models loaded for inference, kept warm and reloaded when their checkpoint changes: a model a
 * job is training is decoded with the weights of its latest epoch. A checkpoint caught in the
 * middle of a swap (or failing to load for a moment) leaves the previous copy serving.
 */
export class ModelCache {
  private readonly models = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();

  /**
   * @param resolveDir the model's checkpoint folder
   * @param resolveLive where a training process leaves mid-epoch weights, used while newer
   */
  constructor(
    private readonly resolveDir: (modelId: string) => string,
    private readonly capacity = 8,
    private readonly resolveLive?: (modelId: string) => Promise<string | undefined>,
  ) {}

  async get(modelId: string): Promise<LoadedModel> {
    const dir = this.resolveDir(modelId);
    const cached = this.models.get(modelId);
    let version = await versionOf(dir);
    let source = dir;
    const live = version === undefined ? undefined : await this.resolveLive?.(modelId);
    if (live && version !== undefined) {
      const liveVersion = await versionOf(live);
      if (liveVersion !== undefined && liveVersion > version)
        [source, version] = [live, liveVersion];
    }
    if (cached && (version === undefined || version === cached.version)) return this.touch(cached);
    if (version === undefined) {
      throw new AtlasError('not-found', `no model "${modelId}" in the library`);
    }
    try {
      return await this.load(modelId, dir, source, version);
    } catch (err) {
      if (cached) return this.touch(cached);
      // Live weights pruned under us: the checkpoint itself will do.
      const checkpoint = source === dir ? undefined : await versionOf(dir);
      if (checkpoint !== undefined) return this.load(modelId, dir, dir, checkpoint);
      throw err instanceof AtlasError
        ? err
        : new AtlasError('not-found', `cannot open model "${modelId}": ${(err as Error).message}`);
    }
  }

  /** Loads the latest checkpoint now, so the next request does not wait for it. */
  async refresh(modelId: string): Promise<void> {
    if (!this.models.has(modelId)) return;
    await this.get(modelId).catch(() => {});
  }

  evict(modelId: string): void {
    this.models.get(modelId)?.model.dispose();
    this.models.delete(modelId);
  }

  dispose(): void {
    for (const id of [...this.models.keys()]) this.evict(id);
  }

  private touch(model: LoadedModel): LoadedModel {
    // Map order is insertion order: re-inserting marks it most recently used.
    this.models.delete(model.modelId);
    this.models.set(model.modelId, model);
    return model;
  }

  private load(
    modelId: string,
    dir: string,
    source: string,
    version: number,
  ): Promise<LoadedModel> {
    const key = `${modelId}@${version}`;
    let promise = this.loading.get(key);
    if (!promise) {
      promise = (async () => {
        const loaded = await loadWithRetry(source);
        // Live weights carry no training record: describe the model by its checkpoint.
        const manifest =
          source === dir ? loaded.manifest : await readManifest(dir).catch(() => loaded.manifest);
        const model: LoadedModel = {
          modelId,
          dir,
          version,
          model: loaded.model,
          vae: loaded.vae,
          manifest,
          kind: loaded.kind,
          warnings: loaded.warnings,
        };
        // The latest load wins; a stale one is replaced on the next request, which compares versions.
        const old = this.models.get(modelId);
        if (old && old !== model) old.model.dispose();
        this.models.set(modelId, model);
        this.trim();
        return model;
      })().finally(() => this.loading.delete(key));
      this.loading.set(key, promise);
    }
    return promise;
  }

  private trim(): void {
    while (this.models.size > this.capacity) {
      const oldest = this.models.keys().next().value as string;
      this.evict(oldest);
    }
  }
}

async function readManifest(dir: string): Promise<CheckpointManifest> {
  return CheckpointManifest.parse(
    JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')),
  );
}

/**
 * A training process saves by swapping whole folders (checkpoint.ts): the folder is missing for a
 * moment, or changes under a read. Wait out the swap rather than loading in the middle of it.
 */
async function loadWithRetry(dir: string) {
  for (let attempt = 0; ; attempt++) {
    if (!existsSync(dir) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    try {
      return await openModel(dir);
    } catch (err) {
      if (attempt >= 2) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
