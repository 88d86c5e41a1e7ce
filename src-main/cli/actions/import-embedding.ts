import { statSync } from 'node:fs';
import path from 'node:path';
import { parseThumbSize } from '../../engine/embedding/sprite';
import type { EmbeddingSources } from '../../engine/embedding/import';
import { embeddingSource } from '../../host/library/embedding-files';
import { importEmbeddingIntoLibrary } from '../../host/library/embedding-import';
import { defaultLibraryDir } from '../../host/library/paths';
import { Output, warn } from '../output';

export interface ImportEmbeddingOptions {
  metadata?: string;
  sprite?: string;
  images?: string;
  thumb?: string;
  name?: string;
  library?: string;
  json?: boolean;
}

/**
 * `latent-atlas import-embedding VECTORS`: checks the files against each other (counts, finite
 * vectors, rows of one width, a sprite that covers every point) and writes the embedding into
 * the library, where it opens like a model without a decoder. A folder is read as the page's
 * upload reads one; flags name or replace what it finds.
 */
export async function importEmbeddingCommand(
  vectors: string,
  opts: ImportEmbeddingOptions,
): Promise<void> {
  const started = performance.now();
  const isFolder = statSync(vectors, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const found = isFolder ? embeddingSource(path.resolve(vectors)) : null;
  if (isFolder && !found)
    throw new Error(
      `${vectors}: no embedding files found (vectors.npy or vectors.tsv, with metadata.tsv)`,
    );
  if (opts.sprite && opts.images) throw new Error('give --sprite or --images, not both');
  const sources: EmbeddingSources = {
    vectors: found?.vectors ?? path.resolve(vectors),
    metadata: opts.metadata ? path.resolve(opts.metadata) : (found?.metadata ?? null),
    sprite: opts.sprite ? path.resolve(opts.sprite) : opts.images ? null : (found?.sprite ?? null),
    images: opts.images ? path.resolve(opts.images) : opts.sprite ? null : (found?.images ?? null),
    thumb: opts.thumb ? parseThumbSize(opts.thumb) : (found?.thumb ?? null),
  };
  const libraryDir = path.resolve(opts.library ?? defaultLibraryDir());
  const name = opts.name ?? (isFolder ? path.basename(path.resolve(vectors)) : undefined);
  const done = await importEmbeddingIntoLibrary(libraryDir, sources, name);
  for (const line of done.warnings) warn(line);
  const { info } = done;
  const seconds = (performance.now() - started) / 1000;
  const columns = info.columns.map((c) =>
    c.kind === 'number' ? `${c.name} (number)` : `${c.name} (${c.distinct} categories)`,
  );
  const thumbs = info.thumbs
    ? `thumbnails ${info.thumbs.width}×${info.thumbs.height}${info.thumbs.channels === 1 ? ' grey' : ''}`
    : 'no thumbnails';
  new Output(Boolean(opts.json)).result(
    {
      modelId: done.modelId,
      name: done.name,
      library: libraryDir,
      kind: 'embedding',
      n: info.n,
      d: info.d,
      columns: info.columns,
      thumbs: info.thumbs,
      seconds: Math.round(seconds * 1000) / 1000,
    },
    `imported ${done.name} (embedding, ${info.n} points, d = ${info.d}; metadata: ${columns.join(', ') || 'none'}; ${thumbs}; no decoder) into ${libraryDir} as ${done.modelId} in ${seconds.toFixed(2)} s`,
  );
}
