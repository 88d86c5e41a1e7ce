import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  importEmbedding,
  type EmbeddingSources,
  type ImportedEmbedding,
} from '../../engine/embedding/import';
import { newModelId } from './ids';
import { updateLibraryState } from './library-state';

/**
 * Imports an embedding into the library under a fresh id: the one import the CLI
 * (`import-embedding`), `importModel` on a folder of embedding files and the page's uploads all
 * use. It is written into `.importing-<id>` and renamed into place only when whole, so a refusal
 * (or a killed import, which `tidyLibrary` removes) leaves nothing in the library.
 */
export async function importEmbeddingIntoLibrary(
  libraryDir: string,
  sources: EmbeddingSources,
  name?: string,
): Promise<ImportedEmbedding & { modelId: string; name: string }> {
  const display = name?.trim() || defaultName(sources.vectors);
  const modelId = newModelId(display);
  // A fresh slug id (ids.ts): a plain child folder name. library.ts is not imported for its
  // modelDir: it would load TensorFlow.js (checkpoints) into an import that needs none.
  const target = path.join(libraryDir, modelId);
  const tmp = path.join(libraryDir, `.importing-${modelId}`);
  await mkdir(libraryDir, { recursive: true });
  let imported: ImportedEmbedding;
  try {
    imported = await importEmbedding(sources, tmp, display);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await updateLibraryState(libraryDir, (state) => {
    state.names[modelId] = display;
  });
  return { ...imported, modelId, name: display };
}

/** A name from the vectors' file (`glove.npy` → glove), or its folder's for generic names. */
function defaultName(vectors: string): string {
  const base = path.basename(vectors).replace(/\.(npy|tsv)$/i, '');
  const generic = /^(vectors|tensors|embeddings?)$/i.test(base);
  return (generic ? path.basename(path.dirname(path.resolve(vectors))) : base) || 'embedding';
}
