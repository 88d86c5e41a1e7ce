import { coverageReport } from '../../engine/coverage/report';
import { EmbeddingModel, NO_DECODER, NO_ENCODER } from '../../engine/embedding/embedding-model';
import type { EmbeddingColumn } from '../../engine/embedding/embedding-model';
import { labelsOf } from '../../engine/embedding/items';
import { AtlasError } from '../../api/errors';
import type { CoverageReport, LatentSnapshot, MetadataColumn } from '../../api/records';
import type { LoadedModel } from './model-cache';

/**
 * What the hosts answer for an imported embedding (engine/embedding): its vectors are the cloud
 * (nothing is encoded, no dataset is read), its metadata rides along, its sprite gives the
 * items, and coverage compares the vectors with N(0, I). Decoding is refused with one line.
 */

/** The embedding behind a loaded model, or null for a model with nets. */
export function embeddingOf(model: LoadedModel): EmbeddingModel | null {
  return model.model instanceof EmbeddingModel ? model.model : null;
}

/** Most categories a cloud's column may carry (api/records.ts MetadataColumn). */
const MAX_CATEGORIES = 100_000;

/**
 * The first `limit` points of the embedding with their metadata (categories cut down to those
 * the points use). A column named `label` whose values are classes (whole numbers ≥ 0, or at
 * most 100 categories, none missing) also becomes the cloud's labels.
 */
export async function embeddingSnapshot(
  embedding: EmbeddingModel,
  limit: number,
): Promise<LatentSnapshot> {
  const n = Math.min(limit, embedding.n);
  const dim = embedding.latentDim;
  const vectors = await embedding.vectors();
  const columns = (await embedding.metadata()).map((c) => firstRows(c, n));
  const metadata = columns.filter(
    (c) => c.kind === 'number' || c.categories.length <= MAX_CATEGORIES,
  );
  // A `label` column that holds classes colours the cloud as labels do (engine/embedding/items.ts).
  const { labels, labelNames } = labelsOf(metadata);
  return {
    means: vectors.subarray(0, n * dim),
    n,
    dim,
    labels,
    labelNames,
    indices: Int32Array.from({ length: n }, (_, i) => i),
    split: 'all',
    ...(metadata.length > 0 ? { metadata } : {}),
  };
}

function firstRows(column: EmbeddingColumn, n: number): MetadataColumn {
  if (column.kind === 'number') return { ...column, values: column.values.subarray(0, n) };
  const codes = column.codes.subarray(0, n);
  if (n === column.codes.length) return { ...column, codes };
  // Only the categories these rows use, in the same order.
  const used = new Int32Array(column.categories.length).fill(-1);
  for (const c of codes) if (c >= 0) used[c] = 0;
  const categories: string[] = [];
  used.forEach((u, i) => {
    if (u === 0) used[i] = categories.push(column.categories[i]) - 1;
  });
  return {
    name: column.name,
    kind: 'category',
    codes: Int32Array.from(codes, (c) => (c >= 0 ? used[c] : -1)),
    categories,
  };
}

/** Thumbnails of points `indices` from the sprite; refused when the embedding has none. */
export async function embeddingItems(
  embedding: EmbeddingModel,
  modelId: string,
  indices: Int32Array,
): Promise<{ images: Float32Array; n: number; shape: number[] }> {
  for (let k = 0; k < indices.length; k++) {
    if (indices[k] < 0 || indices[k] >= embedding.n)
      throw new AtlasError(
        'invalid-params',
        `indices[${k}] = ${indices[k]} is out of range: embedding "${modelId}" has ${embedding.n} points (0 to ${embedding.n - 1})`,
      );
  }
  const thumbs = await embedding.thumbnails(indices);
  if (!thumbs)
    throw new AtlasError(
      'unavailable',
      `embedding "${modelId}" was imported without thumbnails (a sprite image): there are no items to show`,
    );
  return thumbs;
}

/**
 * The coverage report of up to `limit` of the vectors (evenly spaced through the file, so a file
 * sorted by class is sampled across) against N(0, I), as they are: an embedding has no prior of
 * its own, and its vectors are not standardised.
 */
export async function embeddingCoverage(
  embedding: EmbeddingModel,
  limit: number,
  seed: number,
): Promise<{ report: CoverageReport; n: number; dim: number }> {
  const d = embedding.latentDim;
  const all = embedding.n;
  const n = Math.min(limit, all);
  const vectors = await embedding.vectors();
  let z = vectors.subarray(0, n * d);
  if (n < all) {
    z = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = Math.floor((i * all) / n);
      z.set(vectors.subarray(row * d, (row + 1) * d), i * d);
    }
  }
  let report: CoverageReport;
  try {
    report = coverageReport(z, n, d, { prior: 'gaussian', seed });
  } catch (err) {
    throw new AtlasError('invalid-params', `coverage report: ${(err as Error).message}`);
  }
  report.warnings.push(
    'an imported embedding has no prior of its own: its vectors are compared with N(0, I) as they are, not standardised',
  );
  return { report, n, dim: d };
}

/** The refusal of a decode (or anything that needs one) for an embedding. */
export function noDecoder(modelId: string): AtlasError {
  return new AtlasError('unavailable', `model "${modelId}": ${NO_DECODER}`);
}

/** The refusal of an encode for an embedding. */
export function noEncoder(modelId: string): AtlasError {
  return new AtlasError('unavailable', `model "${modelId}": ${NO_ENCODER}`);
}
