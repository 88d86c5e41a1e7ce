import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type CheckpointManifest } from '../io/checkpoint';
import { EmbeddingModel } from './embedding-model';
import { EMBEDDING_FILES, readEmbeddingInfo } from './format';

/** Whether `dir` is an embedding in the library's form (it has embedding.json). */
export function isEmbeddingDir(dir: string): boolean {
  return existsSync(path.join(dir, EMBEDDING_FILES.info));
}

/**
 * Opens an imported embedding: its description now, its arrays on first use. The manifest
 * describes it as the library describes every model: no training, no dataset, items of the
 * thumbnails' shape (or [d] without thumbnails).
 */
export async function openEmbedding(
  dir: string,
): Promise<{ model: EmbeddingModel; manifest: CheckpointManifest }> {
  const info = await readEmbeddingInfo(dir);
  const model = new EmbeddingModel(dir, info);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    name: info.name,
    createdAt: info.createdAt,
    updatedAt: info.createdAt,
    model: model.config,
    decoderOutput: 'logits',
    dataset: null,
    imageShape: [...model.itemShape],
    train: null,
    state: { epoch: 0, step: 0 },
    history: [],
    backend: 'none (imported vectors)',
    metrics: {},
    hasOptimizer: false,
    hasPrior: false,
    hasFlow: false,
  };
  return { model, manifest };
}
