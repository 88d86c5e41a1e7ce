import type { Dataset, DatasetSplit } from '../engine/data/dataset';
import type { Vae } from '../engine/model';
import type { LatentSnapshot } from '../api/records';

const CHUNK = 2_000;

/**
 * Encoded means of the first `limit` items (training items first, then test items for `all`),
 * with their labels: the point cloud the window draws. Encoded in chunks so 70,000 MNIST digits
 * never sit in memory as one 220 MB batch.
 */
export function latentSnapshot(
  vae: Vae,
  data: DatasetSplit,
  limit: number,
  which: 'train' | 'test' | 'all' = 'all',
): LatentSnapshot {
  const sources: Dataset[] =
    which === 'train' ? [data.train] : which === 'test' ? [data.test] : [data.train, data.test];
  const plan: { set: Dataset; count: number }[] = [];
  let remaining = limit;
  for (const set of sources) {
    const count = Math.min(remaining, set.count);
    if (count > 0) plan.push({ set, count });
    remaining -= count;
  }
  const n = plan.reduce((sum, p) => sum + p.count, 0);
  const dim = vae.latentDim;
  const means = new Float32Array(n * dim);
  const hasLabels = plan.length > 0 && plan.every((p) => p.set.labels);
  const labels = hasLabels ? new Int32Array(n) : null;
  let row = 0;
  for (const { set, count } of plan) {
    for (let start = 0; start < count; start += CHUNK) {
      const m = Math.min(CHUNK, count - start);
      const indices = Int32Array.from({ length: m }, (_, i) => start + i);
      means.set(vae.encode(set.batch(indices), m), (row + start) * dim);
      if (labels) labels.set(set.labels!.subarray(start, start + m), row + start);
    }
    row += count;
  }
  const labelNames = data.train.labelNames ?? null;
  return { means, n, dim, labels, labelNames: labels ? labelNames : null };
}
