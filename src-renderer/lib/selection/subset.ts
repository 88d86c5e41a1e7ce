import type { CloudData } from '../../stores/cloud.svelte';
import { gatherRows } from './mask';

/**
 * The cloud of `points` alone (isolate): every per-point array gathered, in the order of
 * `points`. It is a cloud of its own to the projections (PCA, the sphere view, the tour and UMAP
 * run on it), and nothing of it is cached as the model's: no weights version (so its UMAP is
 * never saved with the model) and no engine UMAP.
 */
export function subsetCloud(data: CloudData, points: Int32Array): CloudData {
  const k = points.length;
  const pick = <T extends Float32Array | Int32Array>(a: T, make: new (length: number) => T): T =>
    gatherRows(a, 1, points, make);
  const subset: CloudData = {
    ...data,
    means: gatherRows(data.means, data.dim, points, Float32Array),
    n: k,
    labels: data.labels ? pick(data.labels, Int32Array) : null,
    errors: data.errors ? pick(data.errors, Float32Array) : null,
    indices: pick(data.indices, Int32Array),
    weightsVersion: null,
    umap: null,
    partial: false,
    metadata: data.metadata.map((c) =>
      c.kind === 'number'
        ? { ...c, values: pick(c.values, Float32Array) }
        : { ...c, codes: pick(c.codes, Int32Array) },
    ),
  };
  return subset;
}
