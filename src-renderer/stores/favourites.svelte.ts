/** A slider moved away from where the favourite's origin put it (radians on a sphere). */
/**
 * A slider moved away from where the latent started: a latent dimension (`axis`, by `delta` in
 * latent units, radians on a sphere) or a saved attribute vector (`vector`, by `delta` times
 * its length).
 */
export type SliderOffset = { axis: number; delta: number } | { vector: string; delta: number };

export interface Favourite {
  id: string;
  modelId: string;
  modelName: string;
  /** Where the latent came from: data mean, item #n (label), prior sample #s, interpolation, … */
  origin: string;
  /** The slider moves on top of the origin. */
  offsets: SliderOffset[];
  /** Whether offsets are angles along great circles (sphere latents). */
  spherical: boolean;
  z: number[];
  /** Thumbnail bytes (0–255), shape [h, w, c]. */
  thumb: number[] | null;
  shape: number[];
  note: string;
  createdAt: string;
}

const KEY = 'latent-atlas:favourites';

/** Saved latents with thumbnails, kept in the page's local storage across sessions. */
export class FavouritesStore {
  items = $state.raw<Favourite[]>([]);

  constructor(private readonly storage: Storage | null) {
    try {
      const raw = storage?.getItem(KEY);
      if (raw) {
        const parsed = JSON.parse(raw) as unknown;
        if (Array.isArray(parsed)) this.items = parsed.filter(isFavourite).map(upgrade);
      }
    } catch {
      this.items = [];
    }
  }

  add(f: {
    modelId: string;
    modelName: string;
    z: ArrayLike<number>;
    image: Float32Array | null;
    shape: number[];
    origin: string;
    offsets?: SliderOffset[];
    spherical?: boolean;
    note?: string;
  }): Favourite {
    const fav: Favourite = {
      id: `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      modelId: f.modelId,
      modelName: f.modelName,
      origin: f.origin,
      offsets: f.offsets ?? [],
      spherical: f.spherical ?? false,
      z: Array.from(f.z),
      thumb: f.image
        ? Array.from(f.image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255))
        : null,
      shape: f.shape,
      note: f.note ?? '',
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a timestamp, not state
      createdAt: new Date().toISOString(),
    };
    this.items = [...this.items, fav];
    this.save();
    return fav;
  }

  remove(id: string): void {
    this.items = this.items.filter((f) => f.id !== id);
    this.save();
  }

  rename(id: string, note: string): void {
    this.items = this.items.map((f) => (f.id === id ? { ...f, note } : f));
    this.save();
  }

  forModel(modelId: string | null): Favourite[] {
    return this.items.filter((f) => f.modelId === modelId);
  }

  private save(): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify(this.items));
    } catch {
      // Storage full or unavailable: favourites still live for this session.
    }
  }
}

function isFavourite(v: unknown): v is Favourite {
  if (!v || typeof v !== 'object') return false;
  const f = v as Record<string, unknown>;
  return (
    typeof f.id === 'string' &&
    typeof f.modelId === 'string' &&
    Array.isArray(f.z) &&
    Array.isArray(f.shape)
  );
}

/** Favourites saved before origins were recorded: their note was the origin. */
function upgrade(f: Favourite): Favourite {
  return {
    ...f,
    origin: typeof f.origin === 'string' ? f.origin : f.note || 'unknown',
    offsets: Array.isArray(f.offsets) ? f.offsets : [],
    spherical: f.spherical === true,
  };
}

/** "z3 +1.20, z7 −0.45" (or degrees on a sphere): the largest moves first, at most `max`. */
export function describeOffsets(
  offsets: readonly SliderOffset[],
  spherical: boolean,
  max = 3,
): string {
  const sorted = [...offsets].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  const parts = sorted.slice(0, max).map((o) => {
    if ('vector' in o)
      return `${o.vector} ${o.delta >= 0 ? '+' : '−'}${Math.abs(o.delta).toFixed(2)}×`;
    const v = spherical ? (o.delta * 180) / Math.PI : o.delta;
    const text = `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(spherical ? 0 : 2)}${spherical ? '°' : ''}`;
    return `z${o.axis + 1} ${text}`;
  });
  if (sorted.length > max) parts.push(`+${sorted.length - max} more`);
  return parts.join(', ');
}

/** Origin and moves in one line: "data mean · z3 +1.20". */
export function describeFavourite(f: Favourite): string {
  const moved = describeOffsets(f.offsets, f.spherical);
  return moved ? `${f.origin} · ${moved}` : f.origin;
}

/** A favourite's thumbnail back as [0, 1] floats for ImageCanvas. */
export function thumbPixels(f: Favourite): Float32Array | null {
  return f.thumb ? Float32Array.from(f.thumb, (v) => v / 255) : null;
}
