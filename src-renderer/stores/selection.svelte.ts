import { errorMessage } from '../api/connect';
import { nearestNeighbors } from '../../src-main/shared/maths/nearest-neighbours';
import { LatestOnly } from '../lib/decoding/latest';
import type { SelectionContext } from './context';

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

/** A hover thumbnail: the original item, or its reconstruction where originals cannot be had. */
export interface HoverThumb {
  image: Float32Array | null;
  original: boolean;
}

/**
 * What the pointer touches: the hovered item (with its original image as the thumbnail), the
 * selected item (original and reconstruction) with its nearest neighbours, the decode-anywhere
 * target, and two pinned points for interpolation.
 */
export class SelectionStore {
  hovered = $state.raw<{ index: number; x: number; y: number } | null>(null);
  /** The hovered item's thumbnail: its original image, or its decoded one as a fallback. */
  hoverImage = $state.raw<Float32Array | null>(null);
  hoverIsOriginal = $state(true);
  selected = $state<number | null>(null);
  neighbours = $state.raw<number[]>([]);
  /** Latent-space (Euclidean) distances from the selected point to each neighbour. */
  neighbourDistances = $state.raw<number[]>([]);
  /** The neighbours as the data set has them (null: not fetched, or originals unavailable). */
  neighbourOriginals = $state.raw<Float32Array | null>(null);
  /** The selected item as the dataset has it (what the model was trained on). */
  selectedOriginal = $state.raw<Float32Array | null>(null);
  /** Why the selected item's original could not be shown, if it could not. */
  originalError = $state<string | null>(null);
  selectedImage = $state.raw<Float32Array | null>(null);
  neighbourImages = $state.raw<Float32Array | null>(null);
  target = $state.raw<DecodedTarget | null>(null);
  a = $state.raw<Pinned | null>(null);
  b = $state.raw<Pinned | null>(null);

  // Plain caches: nothing renders from them directly. Decoded thumbnails go stale when the
  // weights change (by point); originals never do (by dataset item).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly thumbs = new Map<number, Float32Array>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly originals = new Map<string, Float32Array>();
  /** Cleared when `items` fails for this model: hovering then shows reconstructions. */
  private originalsAvailable = true;
  private readonly hoverLoader: LatestOnly<number, HoverThumb>;
  private readonly targetDecoder: LatestOnly<DecodedTarget, Float32Array | null>;

  constructor(private readonly app: SelectionContext) {
    this.hoverLoader = new LatestOnly(
      (index) => this.loadThumb(index),
      (thumb, index) => {
        if (this.hovered?.index !== index) return;
        this.hoverImage = thumb.image;
        this.hoverIsOriginal = thumb.original;
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
    this.neighbourDistances = [];
    this.neighbourOriginals = null;
    this.selectedImage = null;
    this.neighbourImages = null;
    this.target = null;
    this.a = null;
    this.b = null;
    this.selectedOriginal = null;
    this.originalError = null;
    this.thumbs.clear();
    this.originals.clear();
    this.originalsAvailable = true;
  }

  /** Cached reconstructions are stale once the model's weights change (training). */
  invalidateThumbnails(): void {
    this.thumbs.clear();
  }

  hover(index: number | null, x = 0, y = 0): void {
    if (index === null) {
      this.hovered = null;
      this.hoverImage = null;
      return;
    }
    if (this.hovered?.index !== index) {
      const cached = this.cachedThumb(index);
      this.hoverImage = cached?.image ?? null;
      this.hoverIsOriginal = cached?.original ?? this.originalsAvailable;
    }
    this.hovered = { index, x, y };
    if (!this.hoverImage) this.hoverLoader.request(index);
  }

  async select(index: number | null): Promise<void> {
    this.selected = index;
    this.target = null;
    this.originalError = null;
    if (index === null) {
      this.neighbours = [];
      this.neighbourDistances = [];
      this.neighbourOriginals = null;
      this.selectedImage = null;
      this.selectedOriginal = null;
      this.neighbourImages = null;
      return;
    }
    const data = this.app.cloud.data;
    const z = this.app.cloud.latent(index);
    if (!data || !z) return;
    const found = nearestNeighbors(data.means, data.n, data.dim, z, NEIGHBOURS, index);
    const nn = found.indices;
    this.neighbours = nn;
    this.neighbourDistances = found.distances;
    this.selectedImage = this.thumbs.get(index) ?? null;
    this.neighbourImages = null;
    this.neighbourOriginals = null;
    // The originals are fetched alongside the decode, not after it.
    const original = this.loadOriginal(index);
    const neighbourOriginals = this.loadNeighbourOriginals(index, nn);
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
    await Promise.all([original, neighbourOriginals]);
  }

  /** The neighbours' original items: cached ones at once, the rest in one request. */
  private async loadNeighbourOriginals(index: number, nn: number[]): Promise<void> {
    const keys = nn.map((j) => this.originalKey(j));
    if (!this.originalsAvailable || nn.length === 0 || keys.some((k) => k === null)) return;
    const missing = nn.filter((_, k) => !this.originals.has(keys[k]!));
    if (missing.length > 0) {
      try {
        const out = await this.app.items(missing);
        if (!out) return;
        const size = out.images.length / out.n;
        missing.forEach((j, k) =>
          this.remember(this.originalKey(j)!, out.images.slice(k * size, (k + 1) * size)),
        );
      } catch {
        return; // The selected item's own original says why (originalError).
      }
    }
    if (this.selected !== index) return;
    const images = keys.map((k) => this.originals.get(k!));
    if (images.some((im) => !im)) return;
    const size = images[0]!.length;
    const all = new Float32Array(size * images.length);
    images.forEach((im, k) => all.set(im!, k * size));
    this.neighbourOriginals = all;
  }

  /** Fetches the selected item's original image (cached by dataset item). */
  private async loadOriginal(index: number): Promise<void> {
    const key = this.originalKey(index);
    const cached = key ? this.originals.get(key) : undefined;
    this.selectedOriginal = cached ?? null;
    if (cached || !key) return;
    try {
      const out = await this.app.items([index]);
      if (!out) return;
      this.remember(key, out.images);
      if (this.selected === index) this.selectedOriginal = out.images;
    } catch (error) {
      if (this.selected === index) this.originalError = errorMessage(error);
    }
  }

  /** Hover thumbnail: the original item; its reconstruction when originals are unavailable. */
  private async loadThumb(index: number): Promise<HoverThumb> {
    const cached = this.cachedThumb(index);
    if (cached) return cached;
    const key = this.originalKey(index);
    if (key && this.originalsAvailable) {
      try {
        const out = await this.app.items([index]);
        if (out) {
          this.remember(key, out.images);
          return { image: out.images, original: true };
        }
      } catch {
        // A model whose data cannot be read (moved folder, no recorded dataset): reconstructions.
        this.originalsAvailable = false;
      }
    }
    const z = this.app.cloud.latent(index);
    if (!z) return { image: null, original: false };
    const img = (await this.app.decode(Float32Array.from(z), 1))?.images ?? null;
    if (img) {
      this.thumbs.set(index, img);
      if (this.thumbs.size > THUMB_CACHE)
        this.thumbs.delete(this.thumbs.keys().next().value as number);
    }
    return { image: img, original: false };
  }

  private cachedThumb(index: number): HoverThumb | null {
    const key = this.originalKey(index);
    const original = key ? this.originals.get(key) : undefined;
    if (original) return { image: original, original: true };
    const decoded = this.originalsAvailable ? undefined : this.thumbs.get(index);
    return decoded ? { image: decoded, original: false } : null;
  }

  /** The dataset item behind point `index` (stable across training snapshots). */
  private originalKey(index: number): string | null {
    const d = this.app.cloud.data;
    if (!d || index < 0 || index >= d.n) return null;
    return `${d.modelId}:${d.split}:${d.indices[index]}`;
  }

  private remember(key: string, image: Float32Array): void {
    this.originals.set(key, image);
    if (this.originals.size > THUMB_CACHE)
      this.originals.delete(this.originals.keys().next().value as string);
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
