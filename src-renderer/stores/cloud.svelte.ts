import type { DataSplit, LatentSnapshot } from '../api/connect';
import type { MetadataColumn } from '../../src-main/api/records';
import { activityFromLatents, orderByActivity } from '../lib/decoding/traversal';
import type { DimensionActivity } from '../lib/decoding/traversal';

/** The encoded data of the model on screen: n latent means of dimension `dim`, with labels. */
export interface CloudData {
  modelId: string;
  means: Float32Array;
  n: number;
  dim: number;
  labels: Int32Array | null;
  labelNames: string[] | null;
  /** Training epoch the snapshot comes from (live updates), or null for a saved model. */
  epoch: number | null;
  /** Per-item reconstruction error −log p(x | mean z), when the engine sends it. */
  errors: Float32Array | null;
  /** The dataset item behind each point, numbered within `split` (what `items` takes). */
  indices: Int32Array;
  split: DataSplit;
  /** The weights version the engine cached this cloud under (null: not cacheable, e.g. live). */
  weightsVersion: string | null;
  /** A 3D UMAP of these points (n × 3) the engine had cached, or null. */
  umap: Float32Array | null;
  /** A 3D t-SNE of these points (n × 3) the engine had cached, or null. */
  tsne?: Float32Array | null;
  /** The first points of a cloud still being encoded: the rest replaces it. */
  partial: boolean;
  /** Per-point metadata columns (an imported embedding's TSV): colour by them. */
  metadata: MetadataColumn[];
}

export function cloudFromSnapshot(
  modelId: string,
  s: LatentSnapshot & {
    weightsVersion?: string | null;
    umap3?: Float32Array;
    tsne3?: Float32Array;
  },
  epoch: number | null = null,
  partial = false,
): CloudData {
  // The contract checks lengths; a snapshot without errors simply has none to colour by.
  const errors = s.errors && s.errors.length === s.n ? s.errors : null;
  return {
    modelId,
    means: s.means,
    n: s.n,
    dim: s.dim,
    labels: s.labels,
    labelNames: s.labelNames,
    epoch,
    errors,
    indices: s.indices,
    split: s.split,
    weightsVersion: epoch === null ? (s.weightsVersion ?? null) : null,
    umap: s.umap3 && s.umap3.length === s.n * 3 ? s.umap3 : null,
    tsne: s.tsne3 && s.tsne3.length === s.n * 3 ? s.tsne3 : null,
    partial,
    metadata: s.metadata ?? [],
  };
}

/**
 * The point cloud's data. Big arrays live in `$state.raw` (replaced whole, never proxied);
 * `revision` counts updates and `live` says whether the last one came from training (the
 * viewer then aligns and glides instead of jumping).
 */
export class CloudStore {
  data = $state.raw<CloudData | null>(null);
  loading = $state(false);
  /** While the first points are shown: how many the whole cloud will have (0: none coming). */
  pending = $state(0);
  revision = $state(0);
  live = $state(false);

  /** Per-dimension activity (variance of the means), for slider order and folding. */
  activity = $derived.by((): DimensionActivity[] => {
    const d = this.data;
    return d ? activityFromLatents(d.means, d.n, d.dim) : [];
  });

  ordered = $derived(orderByActivity(this.activity));

  /** The mean of the encoded data: where traversal starts. */
  mean = $derived.by((): Float64Array | null => {
    const d = this.data;
    if (!d) return null;
    return Float64Array.from(this.activity, (a) => a.mean);
  });

  /**
   * The point nearest the data mean (Euclidean in latent space): where traversal starts. The
   * mean itself can fall between clusters and decode to nothing recognisable (a blank shape, a
   * blur of digits); the item nearest it is a real one.
   */
  centre = $derived.by((): number | null => {
    const d = this.data;
    const mean = this.mean;
    if (!d || !mean || d.n === 0) return null;
    let best = 0;
    let bestDistance = Infinity;
    for (let r = 0; r < d.n; r++) {
      let s = 0;
      for (let i = 0; i < d.dim; i++) s += (d.means[r * d.dim + i] - mean[i]) ** 2;
      if (s < bestDistance) {
        bestDistance = s;
        best = r;
      }
    }
    return best;
  });

  set(data: CloudData | null, live = false): void {
    this.live = live;
    this.data = data;
    this.revision++;
  }

  latent(index: number): Float64Array | null {
    const d = this.data;
    if (!d || index < 0 || index >= d.n) return null;
    return Float64Array.from(d.means.subarray(index * d.dim, (index + 1) * d.dim));
  }

  /** The reconstruction error of point `index`, when the snapshot carries errors. */
  error(index: number): number | null {
    const d = this.data;
    if (!d?.errors || index < 0 || index >= d.n) return null;
    return d.errors[index];
  }

  /**
   * Point `index`'s label; without labels, its value in the first category column of the
   * metadata (as the Embedding Projector labels points by their first metadata column).
   */
  label(index: number): string | null {
    const d = this.data;
    if (!d || index < 0 || index >= d.n) return null;
    if (!d.labels) {
      const column = d.metadata.find((c) => c.kind === 'category');
      const code = column?.kind === 'category' ? column.codes[index] : -1;
      return column?.kind === 'category' && code >= 0 ? column.categories[code] : null;
    }
    const l = d.labels[index];
    return d.labelNames?.[l] ?? String(l);
  }
}
