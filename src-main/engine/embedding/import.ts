import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeNpy } from '../../shared/maths/npy';
import {
  EMBEDDING_FILES,
  EMBEDDING_FORMAT,
  EMBEDDING_VERSION,
  type ColumnInfo,
  type EmbeddingInfo,
} from './format';
import { parseMetadata, type ParsedColumn } from './metadata';
import { checkSprite, spriteFromFolder, type ThumbSize } from './sprite';
import { readable, readVectors } from './vectors';

/** What an embedding is imported from: the files as the Embedding Projector takes them. */
export interface EmbeddingSources {
  /** An NPY matrix [n, d] or a TSV of numbers, one point a line. */
  vectors: string;
  /** A TSV with a header row (one column: none), one row per point. */
  metadata?: string | null;
  /** One image, a grid of thumbnails (row-major). */
  sprite?: string | null;
  /** Or a folder of images, one per point in the order of their names. */
  images?: string | null;
  /** The thumbnails' size (a sprite's is inferred from a square grid when not given). */
  thumb?: ThumbSize | null;
}

export interface ImportedEmbedding {
  info: EmbeddingInfo;
  warnings: string[];
  /** Seconds each step took (the benchmark reads them). */
  timings: { vectors: number; metadata: number; thumbs: number; write: number };
}

/**
 * Reads an embedding's files, checks them against each other and writes the library's form of
 * it into `outDir` (format.ts). Every refusal is one line that names the file at fault: counts
 * that differ name both files and both counts.
 */
export async function importEmbedding(
  sources: EmbeddingSources,
  outDir: string,
  name: string,
): Promise<ImportedEmbedding> {
  if (sources.sprite && sources.images)
    throw new Error('give a sprite image or a folder of images for the thumbnails, not both');
  const clock = () => performance.now() / 1000;
  let t = clock();
  const vectors = await readVectors(sources.vectors);
  const vectorsName = path.basename(sources.vectors);
  const timings = { vectors: clock() - t, metadata: 0, thumbs: 0, write: 0 };
  const { n, d } = vectors;

  t = clock();
  const warnings: string[] = [];
  let columns: ParsedColumn[] = [];
  if (sources.metadata) {
    await readable(sources.metadata);
    const metaName = path.basename(sources.metadata);
    const parsed = parseMetadata(await readFile(sources.metadata, 'utf8'), metaName, n);
    if (parsed.rows !== n)
      throw new Error(
        `${metaName} has ${parsed.rows} rows${parsed.header ? ' after its header' : ''} but ${vectorsName} has ${n} vectors: one metadata row per vector`,
      );
    columns = parsed.columns;
    warnings.push(...parsed.warnings);
  }
  timings.metadata = clock() - t;

  t = clock();
  let thumbs: EmbeddingInfo['thumbs'] = null;
  let spriteBytes: Uint8Array | null = null;
  let spriteFile: string | null = null;
  if (sources.sprite) {
    await readable(sources.sprite);
    const ext = path.extname(sources.sprite).toLowerCase().replace('.jpeg', '.jpg');
    if (!['.png', '.jpg', '.webp'].includes(ext))
      throw new Error(`${path.basename(sources.sprite)}: a sprite is a .png, .jpg or .webp image`);
    const sprite = await checkSprite(sources.sprite, n, sources.thumb ?? undefined);
    spriteFile = sources.sprite;
    thumbs = { file: `sprite${ext}`, ...sprite };
  } else if (sources.images) {
    const built = await spriteFromFolder(sources.images, n, sources.thumb ?? undefined);
    spriteBytes = built.png;
    thumbs = { file: 'sprite.png', ...built.sprite };
  }
  timings.thumbs = clock() - t;

  t = clock();
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, EMBEDDING_FILES.vectors), encodeNpy(vectors.data, [n, d]));
  if (columns.length > 0) {
    const table = new Float32Array(n * columns.length);
    const k = columns.length;
    columns.forEach((column, c) => {
      const values = column.kind === 'number' ? column.values : column.codes;
      for (let r = 0; r < n; r++) table[r * k + c] = values[r];
    });
    await writeFile(path.join(outDir, EMBEDDING_FILES.metadata), encodeNpy(table, [n, k]));
    await writeFile(
      path.join(outDir, EMBEDDING_FILES.columns),
      JSON.stringify({
        columns: columns.map((c) => ({
          name: c.name,
          categories: c.kind === 'category' ? c.categories : [],
        })),
      }),
    );
  }
  if (thumbs && spriteFile) await copyFile(spriteFile, path.join(outDir, thumbs.file));
  if (thumbs && spriteBytes) await writeFile(path.join(outDir, thumbs.file), spriteBytes);
  const info: EmbeddingInfo = {
    format: EMBEDDING_FORMAT,
    formatVersion: EMBEDDING_VERSION,
    name,
    n,
    d,
    columns: columns.map(describeColumn),
    thumbs,
    sources: {
      vectors: vectorsName,
      metadata: sources.metadata ? path.basename(sources.metadata) : null,
      sprite: sources.sprite
        ? path.basename(sources.sprite)
        : sources.images
          ? `${path.basename(sources.images)}/`
          : null,
    },
    createdAt: new Date().toISOString(),
  };
  // The description goes last: a folder without it is not an embedding yet.
  await writeFile(path.join(outDir, EMBEDDING_FILES.info), JSON.stringify(info, null, 2) + '\n');
  timings.write = clock() - t;
  return { info, warnings, timings };
}

function describeColumn(c: ParsedColumn): ColumnInfo {
  return {
    name: c.name,
    kind: c.kind,
    missing: c.missing,
    distinct: c.kind === 'category' ? c.categories.length : null,
  };
}
