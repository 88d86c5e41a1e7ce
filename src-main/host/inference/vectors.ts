// Attribute vectors saved with a model, in its library folder (`vectors/`: layout and the index's
// schema in shared/vector-index.ts; the engine's io/attribute-vectors.ts reads and writes them,
// and the CLI's cartography commands use the same files). Writes to one model's folder are
// queued, so two saves never lose an index entry.
import path from 'node:path';
import { AtlasError } from '../../api/errors';
import {
  deleteVector as deleteVectorFiles,
  loadVector,
  readSelection,
  readVectorIndex,
  saveVector as saveVectorFiles,
  VECTORS_FOLDER,
} from '../../engine/io/attribute-vectors';
import type { VectorRecord } from '../../shared/vector-index';
import { queued, requireModelFolder } from './model-folder';

/**
 * The engine's one-line errors, as the contract's: a bad index file is refused, not a crash. The
 * engine names files by their path; the page is told which model instead.
 */
async function asAtlas<T>(folder: string, modelId: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError(
      'refused',
      (err as Error).message.split(folder).join(`model "${modelId}"`),
    );
  }
}

export interface SaveVectorParams {
  name: string;
  vector: Float32Array;
  base: Float32Array;
  sphere: boolean;
  auc: number;
  from: { group?: string; description: string; n: number };
  to: { group?: string; description: string; n: number };
  overwrite: boolean;
}

export interface VectorWithValues extends VectorRecord {
  vector: Float32Array;
  basePoint: Float32Array;
}

/** The vectors saved with the model in `folder`, by name, with their coordinates. */
export async function listVectors(folder: string, modelId: string): Promise<VectorWithValues[]> {
  await requireModelFolder(folder, modelId);
  return asAtlas(folder, modelId, async () => {
    const index = await readVectorIndex(folder);
    const out: VectorWithValues[] = [];
    for (const record of [...index.vectors].sort((a, b) => a.name.localeCompare(b.name))) {
      const loaded = await loadVector(folder, record.name, record.dim);
      out.push({
        ...record,
        vector: Float32Array.from(loaded.vector),
        basePoint: Float32Array.from(loaded.base),
      });
    }
    return out;
  });
}

/** Saves a vector made on the page; refused when the name exists unless `overwrite`. */
export async function saveVector(
  folder: string,
  modelId: string,
  p: SaveVectorParams,
): Promise<VectorRecord> {
  await requireModelFolder(folder, modelId);
  let length = 0;
  for (const v of p.vector) length += v * v;
  return queued(path.join(folder, VECTORS_FOLDER), () =>
    asAtlas(folder, modelId, async () => {
      if (!p.overwrite && (await readVectorIndex(folder)).vectors.some((v) => v.name === p.name))
        throw new AtlasError(
          'refused',
          `a vector named "${p.name}" exists; ask to overwrite it to replace it`,
        );
      return saveVectorFiles(
        folder,
        {
          name: p.name,
          vector: p.vector,
          base: p.base,
          sphere: p.sphere,
          auc: p.auc,
          length: Math.sqrt(length),
          from: { group: p.from.group ?? p.from.description, ...p.from },
          to: { group: p.to.group ?? p.to.description, ...p.to },
          data: null,
        },
        { replace: p.overwrite },
      );
    }),
  );
}

/** Removes a saved vector; false when there was none of that name. */
export async function deleteVector(
  folder: string,
  modelId: string,
  name: string,
): Promise<boolean> {
  await requireModelFolder(folder, modelId);
  return queued(path.join(folder, VECTORS_FOLDER), () =>
    asAtlas(folder, modelId, () => deleteVectorFiles(folder, name)),
  );
}

/** A saved selection's item indices and the split they number (null: not recorded). */
export async function readSavedSelection(
  folder: string,
  modelId: string,
  name: string,
): Promise<{ indices: Int32Array; split: 'train' | 'test' | 'all' | null }> {
  await requireModelFolder(folder, modelId);
  try {
    const { indices, split } = await readSelection(folder, name);
    return { indices, split };
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes('no such selection'))
      throw new AtlasError('not-found', `no selection "${name}" saved with model "${modelId}"`);
    // The engine names files by their path; the page is told which model instead.
    throw new AtlasError('refused', message.split(folder).join(`model "${modelId}"`));
  }
}
