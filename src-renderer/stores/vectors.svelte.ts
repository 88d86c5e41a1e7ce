import { errorMessage } from '../api/connect';
import type { Result } from '../api/connect';
import {
  analogy,
  attributeVector,
  evenly,
  type AttributeVector,
} from '../../src-main/shared/maths/attribute-vectors';
import type { CloudView, DecodedImages, DecodingContext } from './context';
import { vectorSlider, type VectorSlider } from './traversal.svelte';

export type SavedVector = Result<'listVectors'>['vectors'][number];

/** A group of points to make a vector from: a label, the rest (all not in the other), the selection. */
export interface GroupOption {
  key: string;
  description: string;
}

export interface MadeVector {
  result: AttributeVector;
  from: GroupOption & { n: number };
  to: GroupOption & { n: number };
}

/** What the vectors store reads of the page. */
export interface VectorsContext extends DecodingContext {
  readonly cloud: CloudView;
  readonly selection: {
    readonly group: {
      readonly mask: Uint8Array | null;
      readonly description: string;
      readonly saved: readonly { name: string }[];
    };
    current(): { z: Float64Array; label: string } | null;
  };
  readonly traversal: { setVectors(list: VectorSlider[]): void };
  readonly favourites: { forModel(modelId: string | null): { z: number[]; note?: string }[] };
}

/** An end of an analogy: a latent and what to call it. */
export interface AnalogyEnd {
  key: string;
  description: string;
  z: Float64Array;
}

export const ANALOGY_STEPS = 7;
/** A metadata column offers its categories as groups when it has at most this many. */
const MAX_GROUP_CATEGORIES = 50;

/**
 * Latent cartography on the page: attribute vectors made from two groups of the cloud (shared
 * maths: mean difference, on a sphere the log map between the groups' centres), saved with the
 * model, and handed to the traversal store as sliders; and analogies a − b + c.
 */
export class VectorsStore {
  saved = $state.raw<SavedVector[]>([]);
  made = $state.raw<MadeVector | null>(null);
  error = $state<string | null>(null);
  saving = $state(false);
  /** The analogy strip: ANALOGY_STEPS images over the amount 0 → 1.5, and its ends. */
  analogyImages = $state.raw<DecodedImages | null>(null);
  analogyAmounts = $state.raw<number[]>([]);
  analogyError = $state<string | null>(null);
  /** The model whose saved vectors `saved` lists (null: none listed yet). */
  loadedFor = $state<string | null>(null);
  private requested: string | null = null;

  constructor(private readonly app: VectorsContext) {}

  /** The groups a vector can run between, for the cloud on screen. */
  get groups(): GroupOption[] {
    const data = this.app.cloud.data;
    const out: GroupOption[] = [];
    if (data?.labels) {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local set
      const seen = new Set<number>();
      for (const l of data.labels) seen.add(l);
      for (const l of [...seen].sort((a, b) => a - b))
        out.push({ key: `label:${l}`, description: `label ${data.labelNames?.[l] ?? l}` });
    }
    // An imported embedding's metadata categories (a column of at most MAX_GROUP_CATEGORIES).
    for (const column of data?.metadata ?? []) {
      if (column.kind !== 'category' || column.categories.length > MAX_GROUP_CATEGORIES) continue;
      column.categories.forEach((category, k) =>
        out.push({ key: `meta:${k}:${column.name}`, description: `${column.name} ${category}` }),
      );
    }
    for (const saved of this.app.selection.group.saved)
      out.push({ key: `saved:${saved.name}`, description: `saved "${saved.name}"` });
    if (this.app.selection.group.mask)
      out.push({
        key: 'selection',
        description: `the selection${this.app.selection.group.description ? ` (${this.app.selection.group.description})` : ''}`,
      });
    out.push({ key: 'rest', description: 'the rest' });
    return out;
  }

  /**
   * The cloud's points holding the items of saved selection `name`: its item indices, matched
   * to points through the cloud's `indices` (the items behind the points, of the cloud's split).
   */
  async savedMembers(name: string): Promise<Int32Array> {
    const data = this.app.cloud.data;
    const modelId = this.app.modelId;
    if (!data || !modelId) return new Int32Array(0);
    const { indices, split } = await this.app.api.readSelection({ modelId, name });
    if (split !== null && split !== data.split)
      throw new Error(
        `saved "${name}" numbers items of the ${split} split, but the cloud shows the ${data.split} split`,
      );
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const items = new Set(indices);
    const out: number[] = [];
    for (let i = 0; i < data.n; i++) if (items.has(data.indices[i])) out.push(i);
    return Int32Array.from(out);
  }

  /** The cloud's points in group `key` (`rest`: all not in `other`; saved: `known`). */
  members(key: string, other: string | null, known?: ReadonlyMap<string, Int32Array>): Int32Array {
    const data = this.app.cloud.data;
    if (!data) return new Int32Array(0);
    const test = (k: string): ((i: number) => boolean) => {
      const points = known?.get(k);
      if (points) {
        const mask = new Uint8Array(data.n);
        for (const p of points) mask[p] = 1;
        return (i) => mask[i] === 1;
      }
      if (k.startsWith('label:')) {
        const l = Number(k.slice(6));
        return (i) => data.labels?.[i] === l;
      }
      if (k.startsWith('meta:')) {
        const [, code, ...name] = k.split(':');
        const column = data.metadata.find((c) => c.name === name.join(':'));
        const want = Number(code);
        return (i) => column?.kind === 'category' && column.codes[i] === want;
      }
      if (k === 'selection') {
        const mask = this.app.selection.group.mask;
        return (i) => !!mask && mask[i] === 1;
      }
      if (k === 'rest' && other && other !== 'rest') {
        const inOther = test(other);
        return (i) => !inOther(i);
      }
      return () => false;
    };
    const inGroup = test(key);
    const out: number[] = [];
    for (let i = 0; i < data.n; i++) if (inGroup(i)) out.push(i);
    return Int32Array.from(out);
  }

  /** The vector from group `from` to group `to` on the cloud's codes; its AUC and sizes. */
  async make(from: string, to: string): Promise<MadeVector | null> {
    const data = this.app.cloud.data;
    this.error = null;
    this.made = null;
    if (!data) {
      this.error = 'No encoded data to make a vector from';
      return null;
    }
    if (from === to) {
      this.error = 'Choose two different groups';
      return null;
    }
    const describe = (k: string, other: string): string => {
      if (k === 'rest') {
        const o = this.groups.find((g) => g.key === other);
        return `all but ${o?.description ?? other}`;
      }
      return this.groups.find((g) => g.key === k)?.description ?? k;
    };
    try {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
      const known = new Map<string, Int32Array>();
      for (const k of [from, to])
        if (k.startsWith('saved:')) known.set(k, await this.savedMembers(k.slice(6)));
      if (this.app.cloud.data !== data) return null;
      const fromRows = this.members(from, to, known);
      const toRows = this.members(to, from, known);
      if (fromRows.length === 0) throw new Error(`${describe(from, to)} holds no points`);
      if (toRows.length === 0) throw new Error(`${describe(to, from)} holds no points`);
      const result = attributeVector(
        { data: data.means, n: data.n, d: data.dim },
        fromRows,
        toRows,
        { sphere: this.app.spherical, fromName: describe(from, to), toName: describe(to, from) },
      );
      this.made = {
        result,
        from: { key: from, description: describe(from, to), n: fromRows.length },
        to: { key: to, description: describe(to, from), n: toRows.length },
      };
      return this.made;
    } catch (error) {
      this.error = errorMessage(error);
      return null;
    }
  }

  /** Loads the saved vectors of the model on screen (once per model unless `force`). */
  async load(force = false): Promise<void> {
    const modelId = this.app.modelId;
    if (!modelId) {
      this.saved = [];
      this.requested = this.loadedFor = null;
      return;
    }
    if (!force && this.requested === modelId) return;
    this.requested = modelId;
    // Another model's vectors are not this one's, even for the moment the list takes.
    if (this.loadedFor !== modelId) {
      this.saved = [];
      this.loadedFor = null;
    }
    try {
      const { vectors } = await this.app.api.listVectors({ modelId });
      if (this.app.modelId !== modelId) return;
      this.saved = vectors;
      this.loadedFor = modelId;
      this.app.traversal.setVectors(
        vectors.map((v) =>
          vectorSlider({ name: v.name, vector: v.vector, base: v.basePoint, sphere: v.sphere }),
        ),
      );
    } catch (error) {
      this.app.notices.push(`Could not list vectors: ${errorMessage(error)}`, 'error');
    }
  }

  async save(name: string, overwrite = false): Promise<boolean> {
    const modelId = this.app.modelId;
    const made = this.made;
    if (!modelId || !made) return false;
    this.saving = true;
    try {
      await this.app.api.saveVector({
        modelId,
        name,
        vector: Float32Array.from(made.result.vector),
        base: Float32Array.from(made.result.base),
        sphere: made.result.sphere,
        auc: made.result.auc,
        from: { group: made.from.key, description: made.from.description, n: made.from.n },
        to: { group: made.to.key, description: made.to.description, n: made.to.n },
        overwrite,
      });
      this.app.notices.push(`Saved vector "${name}"`, 'success');
      await this.load(true);
      return true;
    } catch (error) {
      this.app.notices.push(`Could not save the vector: ${errorMessage(error)}`, 'error');
      return false;
    } finally {
      this.saving = false;
    }
  }

  async remove(name: string): Promise<void> {
    const modelId = this.app.modelId;
    if (!modelId) return;
    try {
      await this.app.api.deleteVector({ modelId, name });
      await this.load(true);
    } catch (error) {
      this.app.notices.push(`Could not delete the vector: ${errorMessage(error)}`, 'error');
    }
  }

  /** The ends an analogy can take: the selected point, favourites, each label's mean code. */
  analogyEnds(): AnalogyEnd[] {
    const out: AnalogyEnd[] = [];
    const cur = this.app.selection.current();
    if (cur) out.push({ key: 'selected', description: `selected ${cur.label}`, z: cur.z });
    this.app.favourites.forModel(this.app.modelId).forEach((f, i) => {
      out.push({
        key: `favourite:${i}`,
        description: `favourite ${i + 1}${f.note ? ` (${f.note})` : ''}`,
        z: Float64Array.from(f.z),
      });
    });
    const data = this.app.cloud.data;
    if (data) {
      for (const g of this.groups) {
        if (!g.key.startsWith('label:')) continue;
        const rows = this.members(g.key, null);
        if (rows.length === 0) continue;
        const mean = new Float64Array(data.dim);
        for (const r of rows)
          for (let i = 0; i < data.dim; i++) mean[i] += data.means[r * data.dim + i];
        for (let i = 0; i < data.dim; i++) mean[i] /= rows.length;
        out.push({ key: g.key, description: `${g.description} mean`, z: mean });
      }
    }
    return out;
  }

  /** Decodes a − b + c at amounts 0 … 1.5 (1: the analogy itself), sphere-correct. */
  async runAnalogy(a: AnalogyEnd, b: AnalogyEnd, c: AnalogyEnd): Promise<void> {
    this.analogyError = null;
    const amounts = evenly(0, 1.5, ANALOGY_STEPS);
    try {
      const rows = analogy(a.z, b.z, c.z, amounts, { sphere: this.app.spherical });
      this.analogyAmounts = amounts;
      this.analogyImages = await this.app.decode(Float32Array.from(rows), amounts.length);
    } catch (error) {
      this.analogyImages = null;
      this.analogyError = errorMessage(error);
    }
  }
}
