import { errorMessage } from '../api/connect';
import { nearestNeighbors } from '../lib/knn';
import { LatestOnly } from '../lib/latest';
import type { AppState } from './app.svelte';

export interface DecodedTarget {
  z: Float64Array;
  point: [number, number, number];
  image: Float32Array | null;
}

export interface Pinned {
  z: Float64Array;
  label: string;
  image: Float32Array | null;
}

const NEIGHBOURS = 8;
const THUMB_CACHE = 400;

/**
 * What the pointer touches: the hovered item (with a decoded thumbnail), the selected item with
 * its nearest neighbours, the decode-anywhere target, and two pinned points for interpolation.
 */
export class SelectionStore {
  hovered = $state.raw<{ index: number; x: number; y: number } | null>(null);
  hoverImage = $state.raw<Float32Array | null>(null);
  selected = $state<number | null>(null);
  neighbours = $state.raw<number[]>([]);
  selectedImage = $state.raw<Float32Array | null>(null);
  neighbourImages = $state.raw<Float32Array | null>(null);
  target = $state.raw<DecodedTarget | null>(null);
  a = $state.raw<Pinned | null>(null);
  b = $state.raw<Pinned | null>(null);

  // A plain cache of decoded thumbnails: nothing renders from it directly.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly thumbs = new Map<number, Float32Array>();
  private readonly hoverDecoder: LatestOnly<number, Float32Array | null>;
  private readonly targetDecoder: LatestOnly<DecodedTarget, Float32Array | null>;

  constructor(private readonly app: AppState) {
    this.hoverDecoder = new LatestOnly(
      async (index) => {
        const cached = this.thumbs.get(index);
        if (cached) return cached;
        const z = this.app.cloud.latent(index);
        if (!z) return null;
        const img = (await this.app.decode(Float32Array.from(z), 1))?.images ?? null;
        if (img) {
          this.thumbs.set(index, img);
          if (this.thumbs.size > THUMB_CACHE)
            this.thumbs.delete(this.thumbs.keys().next().value as number);
        }
        return img;
      },
      (img, index) => {
        if (this.hovered?.index === index) this.hoverImage = img;
      },
    );
    this.targetDecoder = new LatestOnly(
      async (t) => (await this.app.decode(Float32Array.from(t.z), 1))?.images ?? null,
      (img, t) => {
        if (this.target === t) this.target = { ...t, image: img };
      },
      (error) => this.app.notices.push(`Decode failed: ${errorMessage(error)}`, 'error'),
    );
  }

  /** Forget everything (a different model is on screen). */
  clear(): void {
    this.hovered = null;
    this.hoverImage = null;
    this.selected = null;
    this.neighbours = [];
    this.selectedImage = null;
    this.neighbourImages = null;
    this.target = null;
    this.a = null;
    this.b = null;
    this.thumbs.clear();
  }

  /** Cached thumbnails are stale once the model's weights change (training). */
  invalidateThumbnails(): void {
    this.thumbs.clear();
  }

  hover(index: number | null, x = 0, y = 0): void {
    if (index === null) {
      this.hovered = null;
      this.hoverImage = null;
      return;
    }
    if (this.hovered?.index !== index) this.hoverImage = this.thumbs.get(index) ?? null;
    this.hovered = { index, x, y };
    if (!this.hoverImage) this.hoverDecoder.request(index);
  }

  async select(index: number | null): Promise<void> {
    this.selected = index;
    this.target = null;
    if (index === null) {
      this.neighbours = [];
      this.selectedImage = null;
      this.neighbourImages = null;
      return;
    }
    const data = this.app.cloud.data;
    const z = this.app.cloud.latent(index);
    if (!data || !z) return;
    const nn = nearestNeighbors(data.means, data.n, data.dim, z, NEIGHBOURS, index).indices;
    this.neighbours = nn;
    this.selectedImage = this.thumbs.get(index) ?? null;
    this.neighbourImages = null;
    const batch = new Float32Array((nn.length + 1) * data.dim);
    batch.set(z, 0);
    nn.forEach((j, k) =>
      batch.set(data.means.subarray(j * data.dim, (j + 1) * data.dim), (k + 1) * data.dim),
    );
    try {
      const out = await this.app.decode(batch, nn.length + 1);
      if (!out || this.selected !== index) return;
      const size = out.images.length / out.n;
      this.selectedImage = out.images.slice(0, size);
      this.neighbourImages = out.images.slice(size);
    } catch (error) {
      this.app.notices.push(`Decode failed: ${errorMessage(error)}`, 'error');
    }
  }

  /** Decode anywhere: the latent a click in empty space maps to. */
  decodeAt(z: Float64Array, point: [number, number, number]): void {
    this.selected = null;
    this.neighbours = [];
    const t: DecodedTarget = { z, point, image: this.target?.image ?? null };
    this.target = t;
    this.targetDecoder.request(t);
  }

  /** Pins a latent as interpolation end A or B. */
  pin(which: 'a' | 'b', z: Float64Array, label: string, image: Float32Array | null): void {
    this[which] = { z, label, image };
  }

  /** The latent of what is selected now (item or decode target), with a label. */
  current(): { z: Float64Array; label: string; image: Float32Array | null } | null {
    if (this.selected !== null) {
      const z = this.app.cloud.latent(this.selected);
      if (z) {
        const label = this.app.cloud.label(this.selected);
        return {
          z,
          label: `#${this.selected}${label !== null ? ` (${label})` : ''}`,
          image: this.selectedImage,
        };
      }
    }
    if (this.target) return { z: this.target.z, label: 'decoded point', image: this.target.image };
    return null;
  }
}
