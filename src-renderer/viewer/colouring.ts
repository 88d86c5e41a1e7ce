import type { ModelDetail } from '../api/connect';
import { CATEGORICAL, colorsFromLabels, colorsFromValues, robustRange } from '../lib/colors';
import { gridDensity } from '../lib/projection/density';
import { rowNorms } from '../lib/projection/projection';
import { kMeans } from '../../src-main/shared/maths/kmeans';
import { mulberry32 } from '../../src-main/shared/random';
import type { CloudData } from '../stores/cloud.svelte';
import type { ColorMode } from '../stores/viewer.svelte';

/** What the colours mean: classes (labels, clusters) or a value scale. */
export type Legend =
  | { kind: 'categories'; items: { name: string; color: string }[] }
  | { kind: 'scale'; lo: number; hi: number; title: string };

/** The colour mode a cloud can show: errors fall back to labels, labels to density. */
export function effectiveColorMode(mode: ColorMode, data: CloudData | null): ColorMode {
  if (mode === 'error' && !data?.errors) return 'label';
  if (mode === 'label' && !data?.labels) return 'density';
  return mode;
}

/**
 * Point colours for a colour mode, with their legend. Keeps the last k-means labelling: k-means
 * over the whole cloud is the one costly mode, and recolouring (a tour's density, a mode switch
 * back) must not redo it for the same cloud.
 */
export class PointColouring {
  private clusters: { data: CloudData; k: number; labels: Int32Array } | null = null;

  /**
   * Colours of the points at `positions` (the cloud `data` as shown). `legend` is absent when
   * the positions are not this cloud's (a cloud between updates): grey points, legend unchanged.
   */
  colour(
    positions: Float32Array,
    data: CloudData | null,
    mode: ColorMode,
    model: ModelDetail | null,
  ): { colors: Uint8Array; legend?: Legend } {
    const n = positions.length / 3;
    if (!data || data.n !== n) return { colors: new Uint8Array(n * 3).fill(180) };
    const effective = effectiveColorMode(mode, data);
    if (effective === 'label' && data.labels) {
      const names = data.labelNames;
      const distinct = Array.from(new Set(data.labels)).sort((a, b) => a - b);
      return {
        colors: colorsFromLabels(data.labels, n),
        legend: {
          kind: 'categories',
          items: distinct.slice(0, 20).map((l) => ({
            name: names?.[l] ?? String(l),
            color: CATEGORICAL[l % CATEGORICAL.length],
          })),
        },
      };
    }
    if (effective === 'cluster') {
      // A mixture prior has as many clusters as components; other latents get ten.
      const k = model?.latent.components ?? 10;
      if (!this.clusters || this.clusters.data !== data || this.clusters.k !== k) {
        // Fitted on at most 5,000 evenly spaced points, seed 7, so a redraw gives the same colours.
        const { assignment } = kMeans(data.means, data.n, data.dim, k, mulberry32(7), {
          iterations: 25,
          maxRows: 5000,
        });
        this.clusters = { data, k, labels: assignment };
      }
      return {
        colors: colorsFromLabels(this.clusters.labels, n),
        legend: {
          kind: 'categories',
          items: Array.from({ length: k }, (_, i) => ({
            name: `cluster ${i + 1}`,
            color: CATEGORICAL[i % CATEGORICAL.length],
          })),
        },
      };
    }
    let values: Float32Array;
    let title: string;
    if (effective === 'error' && data.errors) {
      values = data.errors;
      title = 'reconstruction error (nats)';
    } else if (effective === 'radius') {
      values = rowNorms(data.means, data.n, data.dim);
      title = '‖z‖';
    } else {
      // Density of the points on screen: it follows the projection, not the latents.
      values = gridDensity(positions, n);
      title = 'local density (log)';
    }
    const range = robustRange(values, n);
    return {
      colors: colorsFromValues(values, n, range),
      legend: { kind: 'scale', lo: range[0], hi: range[1], title },
    };
  }
}
