import type { OpenedModel } from '../engine/io/open-model';
import { openDataset } from '../engine/data/registry';
import type { Dataset, DatasetOptions } from '../engine/data/dataset';

/**
 * The split a command should run on: `--data` if given (with the checkpoint's own dataset options
 * when it names the same dataset), else the dataset the checkpoint was trained on. `limit` keeps
 * the split's first N rows — exactly N when it has that many; it does not re-split the data.
 */
export async function datasetFor(
  loaded: Pick<OpenedModel, 'model' | 'manifest'>,
  spec: string | undefined,
  split: 'train' | 'test' | 'all',
  limit?: number,
): Promise<{ data: Dataset; warnings: string[] }> {
  const saved = loaded.manifest.dataset;
  const chosen = spec ?? saved?.spec;
  if (!chosen)
    throw new Error(
      'this model does not record its dataset: pass --data (or, for an ONNX model, "dataset" in its atlas.json)',
    );
  const base = (saved && saved.spec === chosen ? saved.options : {}) as DatasetOptions;
  // Training rows are prefixes (data/split.ts): for `train` and `all` (train first) the first N
  // rows are the same when only N training rows are read, which is much less to load.
  const fewer = limit && split !== 'test' && !(base.limit !== undefined && base.limit < limit);
  const options: DatasetOptions = { ...base, ...(fewer ? { limit } : {}) };
  const opened = await openDataset(chosen, options);
  const size = opened.test.itemShape.reduce((a, b) => a * b, 1);
  if (size !== loaded.model.inputSize) {
    throw new Error(
      `${chosen} items have shape [${opened.test.itemShape.join(', ')}] but the model expects [${loaded.model.config.inputShape.join(', ')}]`,
    );
  }
  const data =
    split === 'train'
      ? opened.train
      : split === 'test'
        ? opened.test
        : concat(opened.train, opened.test);
  return { data: limit ? firstRows(data, limit) : data, warnings: opened.warnings };
}

/** The first `n` rows of `data` (all of them when it has fewer). */
export function firstRows(data: Dataset, n: number): Dataset {
  if (n >= data.count) return data;
  return {
    name: data.name,
    descriptor: data.descriptor,
    itemShape: data.itemShape,
    count: n,
    ...(data.labels ? { labels: data.labels.subarray(0, n) } : {}),
    ...(data.labelNames ? { labelNames: data.labelNames } : {}),
    ...(data.factors
      ? {
          factors: {
            names: data.factors.names,
            values: data.factors.values.subarray(0, n * data.factors.names.length),
          },
        }
      : {}),
    batch: (indices) => data.batch(indices),
  };
}

/** Train followed by test, as one dataset (e.g. to encode all 70,000 MNIST digits). */
function concat(a: Dataset, b: Dataset): Dataset {
  const labels = a.labels && b.labels ? Int32Array.from([...a.labels, ...b.labels]) : undefined;
  return {
    name: a.name.replace(/ \(train\)$/, ''),
    descriptor: a.descriptor,
    itemShape: a.itemShape,
    count: a.count + b.count,
    ...(labels ? { labels } : {}),
    ...(a.labelNames ? { labelNames: a.labelNames } : {}),
    batch(indices: ArrayLike<number>): Float32Array {
      const size = a.itemShape.reduce((x, y) => x * y, 1);
      const out = new Float32Array(indices.length * size);
      for (let i = 0; i < indices.length; i++) {
        const j = indices[i];
        out.set(j < a.count ? a.batch([j]) : b.batch([j - a.count]), i * size);
      }
      return out;
    },
  };
}
