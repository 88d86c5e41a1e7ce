import { errorMessage } from '../api/connect';
import type { Result } from '../api/connect';
import { nearestNeighbors } from '../../src-main/shared/maths/nearest-neighbours';
import { LatestOnly } from '../lib/decoding/latest';
import { formatCount } from '../lib/format';
import { describeFilter, runQuery, type HoleSet } from '../lib/selection/filters';
import {
  combineMasks,
  gatherRows,
  indicesMask,
  maskIndices,
  type Combine,
} from '../lib/selection/mask';
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

  /** The selected group of points (lasso, box, filters): the set selection. */
  readonly group: PointGroup;

  constructor(private readonly app: SelectionContext) {
    this.group = new PointGroup(app);
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
    this.group.reset();
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

/** How the viewer's pointer selects: orbit the camera (click picks one point), box or lasso. */
export type SelectTool = 'orbit' | 'box' | 'lasso';

/** Originals the contact sheet shows at most. */
export const SHEET_MAX = 64;

export type SavedSelection = Result<'listSelections'>['selections'][number];

/** The contact sheet of a group: its first points' originals, or their reconstructions. */
export interface GroupSheet {
  points: Int32Array;
  images: Float32Array | null;
  original: boolean;
}

/**
 * A group of points selected together: by a lasso or box in the viewer, or by a filter. The
 * selection is a mask over the cloud on screen (one byte a point); a new shape replaces it, adds
 * to it (shift) or is taken from it (alt). It can be isolated (the viewer shows and projects
 * only it), exported, and saved with the model by name (its dataset item indices); a saved one
 * is opened again (selected) or deleted by name.
 */
export class PointGroup {
  tool = $state<SelectTool>('orbit');
  /** 1 for each selected point of the cloud on screen; null: none. */
  mask = $state.raw<Uint8Array | null>(null);
  count = $state(0);
  /** How it was made, for people: "lasso", "label 3 + box". */
  description = $state('');
  /** The points the viewer shows alone (isolate), ascending; null: all of them. */
  isolated = $state.raw<Int32Array | null>(null);
  /** The search box's text, and why it could not be run. */
  query = $state('');
  queryError = $state<string | null>(null);
  sheet = $state.raw<GroupSheet | null>(null);
  /** Selections saved with the model on screen (listSelections). */
  saved = $state.raw<SavedSelection[]>([]);
  saving = $state(false);
  /** The cloud (model and size) the mask and isolation are of. */
  private cloudKey: string | null = null;
  private sheetTicket = 0;

  constructor(private readonly app: SelectionContext) {}

  /** Everything forgotten (another model). */
  reset(): void {
    this.clear();
    this.isolated = null;
    this.saved = [];
    this.queryError = null;
    this.cloudKey = null;
  }

  /** Nothing selected (Esc). Isolation stays until "Show all". */
  clear(): void {
    this.mask = null;
    this.count = 0;
    this.description = '';
    this.sheet = null;
    this.sheetTicket++;
  }

  /**
   * The cloud on screen changed: a selection of another model or another number of points
   * (the first points of a cloud, then all of them) no longer applies; a training epoch's cloud
   * of the same points keeps it.
   */
  sync(data: { modelId: string; n: number } | null): void {
    const key = data ? `${data.modelId}:${data.n}` : null;
    if (key === this.cloudKey) return;
    const sameModel = !!data && this.cloudKey?.startsWith(`${data.modelId}:`);
    this.cloudKey = key;
    this.clear();
    this.isolated = null;
    if (!sameModel) {
      this.saved = [];
      if (data) void this.refreshSaved();
    }
  }

  /** Combines `next` (a mask over the whole cloud) with the selection. */
  apply(next: Uint8Array, how: Combine, what: string): void {
    const data = this.app.cloud.data;
    if (!data || next.length !== data.n) return;
    const { mask, count } = combineMasks(this.mask, next, how);
    const before = this.count > 0 ? this.description : '';
    if (count === 0) this.description = '';
    else if (how === 'replace' || !before) this.description = what;
    else this.description = `${before} ${how === 'add' ? '+' : '−'} ${what}`;
    this.mask = count > 0 ? mask : null;
    this.count = count;
    void this.loadSheet();
  }

  /** Selects the given points (of the whole cloud). */
  selectPoints(points: ArrayLike<number>, how: Combine, what: string): void {
    const data = this.app.cloud.data;
    if (data) this.apply(indicesMask(points, data.n), how, what);
  }

  /**
   * Runs the search box's filter over the cloud (within the isolated points, when isolated) and
   * combines its result with the selection. False, with `queryError` saying why, when it cannot.
   */
  runQuery(text: string, how: Combine, holes: HoleSet | null): boolean {
    const data = this.app.cloud.data;
    this.query = text;
    if (!data) return false;
    try {
      const within = this.isolated ? indicesMask(this.isolated, data.n) : null;
      const { mask, filters } = runQuery(data, text, holes, within);
      this.queryError = null;
      this.apply(mask, how, filters.map(describeFilter).join(' · '));
      return true;
    } catch (error) {
      this.queryError = errorMessage(error);
      return false;
    }
  }

  /** The selected points, ascending. */
  points(): Int32Array {
    return this.mask ? maskIndices(this.mask, this.count) : new Int32Array(0);
  }

  /** Shows only the selection, projected anew on its own. */
  isolate(): void {
    if (this.count === 0) return;
    this.isolated = this.points();
  }

  showAll(): void {
    this.isolated = null;
  }

  /** The selected points' latents, row-major count × dim. */
  latents(): Float32Array {
    const data = this.app.cloud.data;
    if (!data) return new Float32Array(0);
    return gatherRows(data.means, data.dim, this.points(), Float32Array);
  }

  /** The dataset items behind the selected points (what `items` and saved selections number). */
  itemIndices(): Int32Array {
    const data = this.app.cloud.data;
    if (!data) return new Int32Array(0);
    return gatherRows(data.indices, 1, this.points(), Int32Array);
  }

  /** Saves the selection with the model as `name`. True when saved. */
  async save(name: string, overwrite = false): Promise<boolean> {
    const data = this.app.cloud.data;
    const modelId = this.app.modelId;
    if (!data || !modelId || data.modelId !== modelId || this.count === 0) return false;
    this.saving = true;
    try {
      const { selection } = await this.app.api.saveSelection({
        modelId,
        name,
        indices: this.itemIndices(),
        split: data.split,
        ...(this.description ? { description: this.description.slice(0, 500) } : {}),
        overwrite,
      });
      this.app.notices.push(
        `Saved selection "${selection.name}" (${formatCount(selection.count)} items) with the model`,
        'success',
      );
      await this.refreshSaved();
      return true;
    } catch (error) {
      this.app.notices.push(`Could not save the selection: ${errorMessage(error)}`, 'error');
      return false;
    } finally {
      this.saving = false;
    }
  }

  /**
   * Selects the points of saved selection `name` (replacing the selection): its item indices,
   * matched to the cloud's points through the cloud's `indices`. Refused, with a notice saying
   * why, when it numbers another split or holds items the cloud on screen does not show. True
   * when selected.
   */
  async open(name: string): Promise<boolean> {
    const data = this.app.cloud.data;
    const modelId = this.app.modelId;
    if (!data || !modelId || data.modelId !== modelId) return false;
    let indices: Int32Array;
    let split: string | null;
    try {
      ({ indices, split } = await this.app.api.readSelection({ modelId, name }));
    } catch (error) {
      this.app.notices.push(`Could not open selection "${name}": ${errorMessage(error)}`, 'error');
      return false;
    }
    // Another model or cloud meanwhile: the indices no longer apply to what is on screen.
    if (this.app.cloud.data !== data || this.app.modelId !== modelId) return false;
    const refuse = (why: string): false => {
      this.app.notices.push(`Could not open selection "${name}": ${why}`, 'error');
      return false;
    };
    if (split !== null && split !== data.split)
      return refuse(
        `it numbers items of the ${split} split, but the cloud shows the ${data.split} split`,
      );
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const items = new Set(indices);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const found = new Set<number>();
    const points: number[] = [];
    for (let i = 0; i < data.n; i++)
      if (items.has(data.indices[i])) {
        points.push(i);
        found.add(data.indices[i]);
      }
    const missing = items.size - found.size;
    if (missing > 0) {
      let first = -1;
      for (const item of items)
        if (!found.has(item)) {
          first = item;
          break;
        }
      return refuse(
        `${formatCount(missing)} of its ${formatCount(items.size)} items (item ${first}${missing > 1 ? ', …' : ''}) are not among the ${formatCount(data.n)} points of the cloud on screen`,
      );
    }
    this.selectPoints(points, 'replace', `saved "${name}"`);
    return true;
  }

  /** Deletes saved selection `name` from the model, then lists the rest. True when deleted. */
  async remove(name: string): Promise<boolean> {
    const modelId = this.app.modelId;
    if (!modelId) return false;
    try {
      const { deleted } = await this.app.api.deleteSelection({ modelId, name });
      if (deleted) this.app.notices.push(`Deleted selection "${name}"`, 'success');
      else this.app.notices.push(`No selection "${name}" was saved with the model`, 'info');
      await this.refreshSaved();
      return deleted;
    } catch (error) {
      this.app.notices.push(
        `Could not delete selection "${name}": ${errorMessage(error)}`,
        'error',
      );
      return false;
    }
  }

  async refreshSaved(): Promise<void> {
    const modelId = this.app.modelId;
    if (!modelId) return;
    try {
      const { selections } = await this.app.api.listSelections({ modelId });
      if (this.app.modelId === modelId) this.saved = selections;
    } catch {
      /* an engine without saved selections: none listed */
    }
  }

  /**
   * The first SHEET_MAX selected points' originals (as the dataset has them), or their
   * reconstructions when the originals cannot be had.
   */
  private async loadSheet(): Promise<void> {
    const ticket = ++this.sheetTicket;
    const data = this.app.cloud.data;
    if (!data || this.count === 0) {
      this.sheet = null;
      return;
    }
    const points = this.points().slice(0, SHEET_MAX);
    const list = Array.from(points);
    this.sheet = { points, images: null, original: true };
    let images: Float32Array | null = null;
    let original = true;
    try {
      images = (await this.app.items(list))?.images ?? null;
    } catch {
      images = null;
    }
    if (!images) {
      original = false;
      try {
        const z = gatherRows(data.means, data.dim, points, Float32Array);
        images = (await this.app.decode(z, points.length))?.images ?? null;
      } catch {
        images = null;
      }
    }
    if (ticket === this.sheetTicket) this.sheet = { points, images, original };
  }
}
