import type { ModelDetail } from '../api/connect';
import {
  CATEGORICAL,
  colorsFromLabels,
  colorsFromValues,
  hexToRgb,
  robustRange,
} from '../lib/colors';
import { gridDensity } from '../lib/projection/density';
import { rowNorms } from '../lib/projection/projection';
import { kMeans } from '../../src-main/shared/maths/kmeans';
import { mulberry32 } from '../../src-main/shared/random';
import type { CloudData } from '../stores/cloud.svelte';
import { metadataColumnOf, metadataMode, type ColorMode } from '../stores/viewer.svelte';
import type { MetadataColumn } from '../../src-main/api/records';

/** What the colours mean: classes (labels, clusters) or a value scale. */
export type Legend =
  | { kind: 'categories'; items: { name: string; color: string }[] }
  | { kind: 'scale'; lo: number; hi: number; title: string };

/**
 * The colour mode a cloud can show: errors fall back to labels, a metadata column the cloud
 * lacks to labels, labels to the first category column of the metadata (an imported
 * embedding's classes), then to density.
 */
export function effectiveColorMode(mode: ColorMode, data: CloudData | null): ColorMode {
  const column = metadataColumnOf(mode);
  if (column !== null && !data?.metadata?.some((c) => c.name === column)) mode = 'label';
  if (mode === 'error' && !data?.errors) mode = 'label';
  if (mode === 'label' && !data?.labels) {
    const first = data?.metadata?.find((c) => c.kind === 'category');
    return first ? metadataMode(first.name) : 'density';
  }
  return mode;
}

/** Categories beyond this many share one grey ("other"): the palette has 20 hues. */
const MAX_HUES = 20;
const MISSING_GREY = '#6e7480';
const OTHER_GREY = '#a3a8b0';

/** Colours and legend of a metadata column: categories as labels are, numbers on a scale. */
function colourColumn(column: MetadataColumn, n: number): { colors: Uint8Array; legend: Legend } {
  const grey = hexToRgb(MISSING_GREY);
  if (column.kind === 'number') {
    const values = column.values;
    const range = robustRange(values, n);
    const colors = colorsFromValues(values, n, range);
    for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) colors.set(grey, i * 3);
    return { colors, legend: { kind: 'scale', lo: range[0], hi: range[1], title: column.name } };
  }
  // The most frequent categories get the hues (all of them when they are few), the rest grey.
  const counts = new Int32Array(column.categories.length);
  for (let i = 0; i < n; i++) if (column.codes[i] >= 0) counts[column.codes[i]]++;
  const present = [...counts.keys()].filter((k) => counts[k] > 0);
  const many = present.length > MAX_HUES;
  const hued = many
    ? present
        .sort((a, b) => counts[b] - counts[a] || a - b)
        .slice(0, MAX_HUES - 1)
        .sort((a, b) => a - b)
    : present;
  const hue = new Int32Array(column.categories.length).fill(-1);
  hued.forEach((k, i) => (hue[k] = i));
  const palette = CATEGORICAL.map(hexToRgb);
  const other = hexToRgb(OTHER_GREY);
  const colors = new Uint8Array(n * 3);
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const code = column.codes[i];
    if (code < 0) missing++;
    colors.set(code < 0 ? grey : hue[code] >= 0 ? palette[hue[code]] : other, i * 3);
  }
  const items: { name: string; color: string }[] = hued.map((k, i) => ({
    name: column.categories[k],
    color: CATEGORICAL[i],
  }));
  if (many) items.push({ name: `${present.length - hued.length} others`, color: OTHER_GREY });
  if (missing > 0) items.push({ name: `(missing: ${missing})`, color: MISSING_GREY });
  return { colors, legend: { kind: 'categories', items } };
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
    const name = metadataColumnOf(effective);
    const column = name === null ? undefined : data.metadata?.find((c) => c.name === name);
    if (column) return colourColumn(column, n);
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
