import type { Dataset, DatasetSplit } from '../../engine/data/dataset';
import type { LatentModel } from '../../engine/model/latent-model';
import { AtlasError } from '../../api/errors';
import type { DataSplit, LatentSnapshot } from '../../api/records';

const CHUNK = 2_000;

/** The datasets a split names, in the order their items are numbered. */
function setsOf(data: DatasetSplit, which: DataSplit): Dataset[] {
  return which === 'train'
    ? [data.train]
    : which === 'test'
      ? [data.test]
      : [data.train, data.test];
}

/**
 * Encoded means of the first `limit` items (training items first, then test items for `all`),
 * with their labels, the item index of every point (numbered within `which`, as `items` takes
 * them) and, unless `errors` is false, every point's reconstruction error −log p(x | mean z): the
 * point cloud the window draws. Encoded in chunks so 70,000 MNIST digits never sit in memory as
 * one 220 MB batch.
 */
export async function latentSnapshot(
  model: LatentModel,
  data: DatasetSplit,
  limit: number,
  which: DataSplit = 'all',
  options: { errors?: boolean; from?: number } = {},
): Promise<LatentSnapshot> {
  const withErrors = options.errors ?? true;
  const plan: { set: Dataset; count: number; offset: number }[] = [];
  let remaining = limit;
  let offset = 0;
  for (const set of setsOf(data, which)) {
    const count = Math.min(remaining, set.count);
    if (count > 0) plan.push({ set, count, offset });
    remaining -= count;
    offset += set.count;
  }
  const total = plan.reduce((sum, p) => sum + p.count, 0);
  // Rows before `from` are left out (a caller that has them already encodes only the rest).
  const from = Math.max(0, Math.min(options.from ?? 0, total));
  const n = total - from;
  const dim = model.latentDim;
  const means = new Float32Array(n * dim);
  const errors = withErrors ? new Float32Array(n) : undefined;
  const indices = new Int32Array(n);
  const hasLabels = plan.length > 0 && plan.every((p) => p.set.labels);
  const labels = hasLabels ? new Int32Array(n) : null;
  let row = 0;
  for (const { set, count, offset: first } of plan) {
    const skip = Math.max(0, Math.min(count, from - row));
    for (let start = skip; start < count; start += CHUNK) {
      const m = Math.min(CHUNK, count - start);
      const at = row + start - from;
      const local = Int32Array.from({ length: m }, (_, i) => start + i);
      const x = set.batch(local);
      if (errors) {
        const encoded = await model.encodeWithError(x, m);
        means.set(encoded.means, at * dim);
        errors.set(encoded.errors, at);
      } else {
        means.set(await model.encode(x, m), at * dim);
      }
      for (let i = 0; i < m; i++) indices[at + i] = first + start + i;
      if (labels) labels.set(set.labels!.subarray(start, start + m), at);
    }
    row += count;
  }
  const labelNames = data.train.labelNames ?? null;
  return {
    means,
    n,
    dim,
    labels,
    labelNames: labels ? labelNames : null,
    indices,
    split: which,
    ...(errors ? { errors } : {}),
  };
}

/**
 * The items at `indices` of `which` (numbered as in a latent snapshot), row-major, in [0, 1].
 * An index past the end is refused with the split's size, naming the first one at fault.
 */
export function datasetItems(
  data: DatasetSplit,
  indices: Int32Array,
  which: DataSplit = 'all',
): { images: Float32Array; n: number; shape: number[] } {
  const sets = setsOf(data, which);
  const total = sets.reduce((sum, set) => sum + set.count, 0);
  const shape = [...data.train.itemShape];
  const size = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k];
    if (index < 0 || index >= total) {
      const where = which === 'all' ? 'train and test splits' : `${which} split`;
      const range = total === 0 ? 'no items' : `${total} items (0 to ${total - 1})`;
      throw new AtlasError(
        'invalid-params',
        `indices[${k}] = ${index} is out of range: the ${where} of "${data.train.descriptor.spec}" ${which === 'all' ? 'have' : 'has'} ${range}`,
      );
    }
  }
  const images = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    let index = indices[k];
    for (const set of sets) {
      if (index < set.count) {
        images.set(set.batch([index]), k * size);
        break;
      }
      index -= set.count;
    }
  }
  return { images, n: indices.length, shape };
}

/** Snapshot `rest` (encoded with `from: head.n`) appended to `head`: one snapshot of both. */
export function joinSnapshots(head: LatentSnapshot, rest: LatentSnapshot): LatentSnapshot {
  const join = <T extends Float32Array | Int32Array>(a: T, b: T): T => {
    const out = new (a.constructor as new (n: number) => T)(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return {
    ...head,
    means: join(head.means, rest.means),
    n: head.n + rest.n,
    labels: head.labels && rest.labels ? join(head.labels, rest.labels) : null,
    indices: join(head.indices, rest.indices),
    ...(head.errors && rest.errors ? { errors: join(head.errors, rest.errors) } : {}),
  };
}
