import { nearestNeighbors } from '../../src-main/shared/maths/nearest-neighbours';
import { procrustes } from '../lib/projection/procrustes';
import type { View } from '../lib/projection/projection';
import {
  axesView,
  hypersphereView,
  linearView,
  pcaView,
  projectAll,
  rotateView,
  sphereView,
  unproject,
} from '../lib/projection/projection';
import { attributeAxesView, type AxisVector } from '../lib/projection/attribute-axes';
import { createRng } from '../lib/rng';
import { GrandTour } from '../lib/projection/tour';
import type { ProjectionMode } from '../stores/viewer.svelte';

export interface LatentSet {
  means: Float32Array;
  n: number;
  dim: number;
}

export interface ProjectionUpdate {
  positions: Float32Array | null;
  /** Glide from the old positions (same points, new place). */
  transition: boolean;
  /** UMAP must run for this data before it can be shown. */
  needsUmap: boolean;
}

/**
 * Turns latents into 3D positions for the current projection and back (decode anywhere). Holds
 * the current view, the grand tour and the UMAP embedding; aligns each new projection of live
 * training data to the previous one by Procrustes so the cloud does not jump. No three.js, no
 * Svelte: plain arrays in, plain arrays out.
 */
export class Projector {
  view: View | null = null;
  positions: Float32Array | null = null;
  mode: ProjectionMode | null = null;
  data: LatentSet | null = null;
  spherical = false;
  private tour: GrandTour | null = null;
  private umapFor: LatentSet | null = null;
  /** The embedding mode ('umap' or 'tsne') whose embedding of `umapFor` is installed. */
  private umapMode: ProjectionMode | null = null;
  private mean: Float64Array | null = null;
  /** The attribute axes on screen (names, x first), and why they could not be drawn. */
  private axesKey = '';
  axesError: string | null = null;
  /** The attribute-axes view's pairwise angles (degrees) and the residual's explained variance. */
  axesInfo: { angles: [number, number, number][]; residualExplained: number | null } | null = null;

  update(
    data: LatentSet | null,
    mode: ProjectionMode,
    options: { live: boolean; spherical: boolean; axes?: readonly AxisVector[] },
  ): ProjectionUpdate {
    const previous = this.positions;
    const sameSize = !!previous && !!data && previous.length === data.n * 3;
    const dataChanged = data !== this.data;
    const axes = mode === 'attributes' ? (options.axes ?? []) : [];
    const axesKey = axes.map((a) => a.name).join('\u0000');
    // Other axes are another view of the same points: they glide there like a new mode.
    const modeChanged = mode !== this.mode || axesKey !== this.axesKey;
    this.axesKey = axesKey;
    this.data = data;
    this.mode = mode;
    this.spherical = options.spherical;
    if (!data || data.n === 0) {
      this.view = null;
      this.positions = null;
      return { positions: null, transition: false, needsUmap: false };
    }
    if (dataChanged) this.mean = columnMeans(data);
    if (isEmbeddingMode(mode)) {
      if (this.umapFor === data && this.umapMode === mode && this.positions && !modeChanged) {
        return { positions: this.positions, transition: false, needsUmap: false };
      }
      return { positions: null, transition: false, needsUmap: true };
    }
    let view = this.viewFor(data, mode, dataChanged, axes);
    let positions = projectAll(view, data.means, data.n);
    // Live training updates: rotate (and shift) the new projection onto the old one.
    if (
      options.live &&
      sameSize &&
      !modeChanged &&
      previous &&
      (mode === 'pca' || mode === 'sphere')
    ) {
      const a = procrustes(positions, previous, data.n, {
        allowReflection: true,
        translate: view.kind === 'linear',
      });
      view = rotateView(view, a.rotation, view.kind === 'linear' ? a.translation : undefined);
      positions = projectAll(view, data.means, data.n);
    }
    this.view = view;
    this.positions = positions;
    return {
      positions,
      transition: sameSize && (options.live || (!dataChanged && modeChanged)),
      needsUmap: false,
    };
  }

  private viewFor(
    data: LatentSet,
    mode: ProjectionMode,
    dataChanged: boolean,
    axes: readonly AxisVector[],
  ): View {
    const { means, n, dim } = data;
    this.axesError = null;
    this.axesInfo = null;
    switch (mode) {
      case 'attributes': {
        if (axes.length === 0) {
          this.axesError = 'Choose a saved attribute vector for an axis (PCA until then)';
          return pcaView(means, n, dim);
        }
        try {
          const { view, angles, residualExplained } = attributeAxesView(means, n, dim, axes);
          this.axesInfo = { angles, residualExplained };
          return view;
        } catch (error) {
          this.axesError = `${(error as Error).message} (PCA until then)`;
          return pcaView(means, n, dim);
        }
      }
      case 'axes':
        return axesView(dim, this.mean ?? undefined);
      case 'sphere': {
        const view = hypersphereView(means, n, dim);
        // Sphere latents live on the unit sphere exactly; Gaussian ones lift to their typical radius.
        if (this.spherical) view.liftRadius = 1;
        return view;
      }
      case 'tour': {
        if (!this.tour || this.tour.d !== dim || (dataChanged && this.tour.d !== dim)) {
          this.tour = new GrandTour(dim, createRng(17), pcaView(means, n, dim).frame);
        }
        return this.tourView(this.tour.frame);
      }
      case 'pca':
      default:
        return pcaView(means, n, dim);
    }
  }

  private tourView(frame: Float64Array): View {
    const d = this.data!.dim;
    return this.spherical
      ? sphereView(d, frame, 1)
      : linearView(d, frame, this.mean ?? new Float64Array(d));
  }

  /** Advances the grand tour by `seconds`; returns the new positions. */
  tourStep(seconds: number): Float32Array | null {
    if (this.mode !== 'tour' || !this.tour || !this.data) return null;
    const frame = this.tour.advance(seconds);
    this.view = this.tourView(frame);
    this.positions = projectAll(
      this.view,
      this.data.means,
      this.data.n,
      this.positions ?? undefined,
    );
    return this.positions;
  }

  /** Installs a UMAP embedding for `data`, aligned to what was on screen when possible. */
  setUmap(data: LatentSet, embedding: Float32Array, align: boolean): Float32Array {
    let positions = embedding;
    const previous = this.positions;
    if (align && previous && previous.length === embedding.length && isEmbeddingMode(this.mode)) {
      const a = procrustes(embedding, previous, data.n, { allowReflection: true, translate: true });
      positions = new Float32Array(embedding.length);
      for (let i = 0; i < data.n; i++) {
        for (let j = 0; j < 3; j++) {
          let s = a.translation[j];
          for (let p = 0; p < 3; p++) s += embedding[i * 3 + p] * a.rotation[p * 3 + j];
          positions[i * 3 + j] = s;
        }
      }
    }
    this.umapFor = data;
    this.umapMode = this.mode;
    this.view = null;
    this.positions = positions;
    return positions;
  }

  /** Whether a UMAP embedding for exactly this data is installed. */
  hasUmapFor(data: LatentSet | null): boolean {
    return !!data && this.umapFor === data;
  }

  /**
   * The latent vector at a 3D point: exact inverse for linear and sphere views; for UMAP (no
   * inverse map) the inverse-distance-weighted mean of the latents of the 8 nearest points.
   */
  unproject(point: ArrayLike<number>): Float64Array | null {
    if (this.view) return unproject(this.view, point);
    const data = this.data;
    const pos = this.positions;
    if (!data || !pos) return null;
    const { indices, distances } = nearestNeighbors(pos, data.n, 3, point, 8);
    const z = new Float64Array(data.dim);
    let wsum = 0;
    indices.forEach((row, k) => {
      const w = 1 / (distances[k] + 1e-6);
      wsum += w;
      for (let i = 0; i < data.dim; i++) z[i] += w * data.means[row * data.dim + i];
    });
    for (let i = 0; i < data.dim; i++) z[i] /= wsum;
    if (this.spherical) {
      const len = Math.hypot(...z) || 1;
      for (let i = 0; i < data.dim; i++) z[i] /= len;
    }
    return z;
  }

  /** 3D positions of arbitrary latents (hole centres): the view's map, or for UMAP the nearest data point's place. */
  projectLatents(latents: number[][]): Float32Array {
    const out = new Float32Array(latents.length * 3);
    if (this.view) {
      const flat = Float32Array.from(latents.flat());
      return projectAll(this.view, flat, latents.length, out);
    }
    const data = this.data;
    const pos = this.positions;
    if (!data || !pos) return out;
    latents.forEach((z, k) => {
      const { indices } = nearestNeighbors(data.means, data.n, data.dim, z, 1);
      if (indices.length) out.set(pos.subarray(indices[0] * 3, indices[0] * 3 + 3), k * 3);
    });
    return out;
  }
}

/** Projections computed by a worker (UMAP, t-SNE): no linear map, an embedding per cloud. */
export function isEmbeddingMode(mode: ProjectionMode | null): boolean {
  return mode === 'umap' || mode === 'tsne';
}

function columnMeans(data: LatentSet): Float64Array {
  const m = new Float64Array(data.dim);
  for (let r = 0; r < data.n; r++)
    for (let i = 0; i < data.dim; i++) m[i] += data.means[r * data.dim + i];
  for (let i = 0; i < data.dim; i++) m[i] /= Math.max(1, data.n);
  return m;
}
