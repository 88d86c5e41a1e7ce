import type { Dataset } from '../data/dataset';
import type { EmbeddingColumn, EmbeddingModel } from './embedding-model';

/** A `label` column with at most this many categories gives the points their labels. */
export const MAX_LABEL_CLASSES = 100;

/**
 * The labels a `label` column (any case) gives the points: whole numbers ≥ 0 (below a million),
 * or at most 100 categories with none missing. Null otherwise, with `why` saying what is amiss.
 * The page colours the cloud by these labels, and the CLI's `label:K` names them.
 */
export function labelsOf(columns: readonly EmbeddingColumn[]): {
  labels: Int32Array | null;
  labelNames: string[] | null;
  why: string | null;
} {
  const column = columns.find((c) => c.name.toLowerCase() === 'label');
  if (!column) return { labels: null, labelNames: null, why: 'it has no metadata column "label"' };
  if (column.kind === 'number') {
    const v = column.values;
    if (v.every((x) => Number.isInteger(x) && x >= 0 && x < 1_000_000))
      return { labels: Int32Array.from(v), labelNames: null, why: null };
    return {
      labels: null,
      labelNames: null,
      why: `its "${column.name}" column holds numbers that are not all whole and ≥ 0 (or some are missing)`,
    };
  }
  if (column.categories.length > MAX_LABEL_CLASSES)
    return {
      labels: null,
      labelNames: null,
      why: `its "${column.name}" column has ${column.categories.length} categories, more than the ${MAX_LABEL_CLASSES} labels may have`,
    };
  if (!column.codes.every((c) => c >= 0))
    return {
      labels: null,
      labelNames: null,
      why: `its "${column.name}" column is missing for some points`,
    };
  return { labels: column.codes, labelNames: column.categories, why: null };
}

/**
 * An embedding's points as a `Dataset`: each item is its vector (so its "encoding" is itself),
 * its labels come from its `label` column (labelsOf), and its numeric metadata columns are its
 * factors. `noLabels` says why it has no labels, for messages; `columns` keeps every column.
 */
export interface EmbeddingItems extends Dataset {
  readonly embedding: EmbeddingModel;
  readonly columns: EmbeddingColumn[];
  readonly noLabels: string | null;
}

/** Whether a dataset is an embedding's points (embeddingItems). */
export function isEmbeddingItems(data: Dataset): data is EmbeddingItems {
  return 'embedding' in data && 'columns' in data;
}

/** The first `limit` points (all of them by default) of an embedding, as items. */
export async function embeddingItems(
  embedding: EmbeddingModel,
  limit?: number,
): Promise<EmbeddingItems> {
  const d = embedding.latentDim;
  const n = Math.min(limit ?? embedding.n, embedding.n);
  const vectors = (await embedding.vectors()).subarray(0, n * d);
  const columns = (await embedding.metadata()).map((c): EmbeddingColumn =>
    c.kind === 'number'
      ? { ...c, values: c.values.subarray(0, n) }
      : { ...c, codes: c.codes.subarray(0, n) },
  );
  const { labels, labelNames, why } = labelsOf(columns);
  const numeric = columns.filter(
    (c): c is Extract<EmbeddingColumn, { kind: 'number' }> => c.kind === 'number',
  );
  let factors: Dataset['factors'];
  if (numeric.length > 0) {
    const k = numeric.length;
    const values = new Float32Array(n * k);
    numeric.forEach((c, j) => {
      for (let r = 0; r < n; r++) values[r * k + j] = c.values[r];
    });
    factors = { names: numeric.map((c) => c.name), values };
  }
  return {
    name: `embedding "${embedding.info.name}"`,
    descriptor: { spec: 'embedding', options: {} },
    itemShape: [d],
    count: n,
    ...(labels ? { labels } : {}),
    ...(labelNames ? { labelNames } : {}),
    ...(factors ? { factors } : {}),
    embedding,
    columns,
    noLabels: labels ? null : why,
    batch(indices: ArrayLike<number>): Float32Array {
      const out = new Float32Array(indices.length * d);
      for (let i = 0; i < indices.length; i++) {
        const r = indices[i];
        if (!(r >= 0 && r < n))
          throw new Error(`point ${r} is beyond the ${n} points of this embedding`);
        out.set(vectors.subarray(r * d, (r + 1) * d), i * d);
      }
      return out;
    },
  };
}

/** Point `row`'s metadata, column by column: a number, a category, or null where missing. */
export function metadataRow(
  columns: readonly EmbeddingColumn[],
  row: number,
): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const c of columns) {
    if (c.kind === 'number') out[c.name] = Number.isFinite(c.values[row]) ? c.values[row] : null;
    else out[c.name] = c.codes[row] >= 0 ? c.categories[c.codes[row]] : null;
  }
  return out;
}
