// An imported embedding in the library: a model folder without nets.
//
//   <model>/embedding.json   this description (its marker: the library knows the folder by it)
//   <model>/vectors.npy      float32 [n, d], the points as given
//   <model>/metadata.npy     float32 [n, k], one column per metadata column: numbers as they are
//                            (NaN where missing), categories as codes into metadata.json (−1)
//   <model>/metadata.json    each column's name, kind and categories
//   <model>/sprite.png       the thumbnails, a row-major grid (optional; .jpg/.webp as given)
//
// Two NPY files and two small JSON files: a 100,000-row embedding opens in a few reads, with no
// text to parse. No TensorFlow.js and no sharp here: the host lists and serves these folders.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const EMBEDDING_FORMAT = 'latent-atlas-embedding';
export const EMBEDDING_VERSION = 1;

export const EMBEDDING_FILES = {
  info: 'embedding.json',
  vectors: 'vectors.npy',
  metadata: 'metadata.npy',
  columns: 'metadata.json',
} as const;

/** Most dimensions an embedding may have: the app's latent limit (shared/config.ts). */
export const MAX_EMBEDDING_DIM = 1024;
/** Most metadata columns one embedding keeps (a cloud carries at most 256). */
export const MAX_METADATA_COLUMNS = 256;

/** One metadata column as the description lists it (its values are in metadata.npy). */
export const ColumnInfo = z.object({
  name: z.string().min(1).max(200),
  kind: z.enum(['number', 'category']),
  /** Rows without a value. */
  missing: z.number().int().min(0),
  /** Distinct values (categories), or null for numbers. */
  distinct: z.number().int().min(0).nullable(),
});
export type ColumnInfo = z.infer<typeof ColumnInfo>;

export const EmbeddingInfo = z.object({
  format: z.literal(EMBEDDING_FORMAT),
  formatVersion: z.literal(EMBEDDING_VERSION),
  name: z.string(),
  n: z.number().int().min(1),
  d: z.number().int().min(1).max(MAX_EMBEDDING_DIM),
  columns: z.array(ColumnInfo).max(MAX_METADATA_COLUMNS),
  /** The thumbnails: a grid of `columns` per row of width × height pixels, or null for none. */
  thumbs: z
    .object({
      file: z.string().regex(/^sprite\.(png|jpg|jpeg|webp)$/),
      width: z.number().int().min(1).max(4096),
      height: z.number().int().min(1).max(4096),
      channels: z.union([z.literal(1), z.literal(3)]),
      columns: z.number().int().min(1),
    })
    .nullable(),
  /** The files it was imported from (names only), for the record. */
  sources: z.object({
    vectors: z.string(),
    metadata: z.string().nullable(),
    sprite: z.string().nullable(),
  }),
  createdAt: z.string(),
});
export type EmbeddingInfo = z.infer<typeof EmbeddingInfo>;

/** The categories of each column (empty for number columns), as metadata.json holds them. */
export const ColumnCategories = z.object({
  columns: z.array(z.object({ name: z.string(), categories: z.array(z.string()) })),
});

/** Reads and checks `<dir>/embedding.json`; the error names the file. */
export async function readEmbeddingInfo(dir: string): Promise<EmbeddingInfo> {
  const file = path.join(dir, EMBEDDING_FILES.info);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  const parsed = EmbeddingInfo.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: not an embedding description (${issue.path.join('.') || 'file'}: ${issue.message})`,
    );
  }
  return parsed.data;
}
