export interface Favourite {
  id: string;
  modelId: string;
  modelName: string;
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
        if (Array.isArray(parsed)) this.items = parsed.filter(isFavourite);
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
    note?: string;
  }): Favourite {
    const fav: Favourite = {
      id: `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      modelId: f.modelId,
      modelName: f.modelName,
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

/** A favourite's thumbnail back as [0, 1] floats for ImageCanvas. */
export function thumbPixels(f: Favourite): Float32Array | null {
  return f.thumb ? Float32Array.from(f.thumb, (v) => v / 255) : null;
}
