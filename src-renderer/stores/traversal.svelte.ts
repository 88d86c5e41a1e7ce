import { errorMessage } from '../api/connect';
import { LatestOnly, quantile } from '../lib/decoding/latest';
import { createRng } from '../lib/rng';
import type { DimensionActivity } from '../lib/decoding/traversal';
import { normalize, randomLatent, sphereExp, sphereTangentBasis } from '../lib/decoding/traversal';
import { steer } from '../../src-main/shared/maths/attribute-vectors';
import type { DecodedImages, TraversalContext } from './context';
import type { SliderOffset } from './favourites.svelte';

export interface SliderSpec {
  /** Position among the sliders (the value index). */
  slot: number;
  /** The latent axis it moves (flat latents), or the axis its great circle leans towards. */
  axis: number;
  min: number;
  max: number;
  step: number;
  active: boolean;
  score: number;
}

export const STRIP_STEPS = 7;

/**
 * A saved attribute vector as a slider: amount t moves the sliders' latent z along it,
 * steer(z, v, t) (Euclidean z + t·v; on a sphere the great circle through z, v carried there from
 * its base). t = 1 is the whole from-centre → to-centre distance.
 */
export interface VectorSlider {
  name: string;
  vector: Float64Array;
  base: Float64Array;
  sphere: boolean;
  min: number;
  max: number;
  step: number;
}

/** The amount range of a vector: ±2 lengths, on a sphere at most half a turn. */
export function vectorSlider(v: {
  name: string;
  vector: ArrayLike<number>;
  base: ArrayLike<number>;
  sphere: boolean;
}): VectorSlider {
  let length = 0;
  for (let i = 0; i < v.vector.length; i++) length += v.vector[i] * v.vector[i];
  length = Math.sqrt(length);
  const reach = v.sphere && length > 0 ? Math.min(2, Math.PI / length) : 2;
  return {
    name: v.name,
    vector: Float64Array.from(v.vector),
    base: Float64Array.from(v.base),
    sphere: v.sphere,
    min: -reach,
    max: reach,
    step: reach / 200,
  };
}

/**
 * Latent traversal: one slider per dimension, ordered by activity. Flat latents: slider k sets
 * z[axis_k] directly. Sphere latents: slider k turns the base point along the great circle in
 * tangent direction k (exp map), so the point stays on the sphere. Dragging decodes live through
 * a latest-only queue (in the page for dense decoders, else by the engine: `AppState.decode`);
 * the preview strips are refreshed when the drag settles.
 */
export class TraversalStore {
  base = $state.raw<Float64Array | null>(null);
  values = $state.raw<Float64Array>(new Float64Array(0));
  image = $state.raw<Float32Array | null>(null);
  strips = $state.raw<Float32Array | null>(null);
  stripsFor = $state.raw<number[]>([]);
  baseLabel = $state('data mean');
  /** Whether the base is the data's centre, which moves with the cloud while a model trains. */
  followsData = $state(true);
  randomSeed = $state(1);
  /** Saved attribute vectors of the model on screen, each a slider (`amounts`, by position). */
  vectors = $state.raw<VectorSlider[]>([]);
  amounts = $state.raw<Float64Array>(new Float64Array(0));
  /** Preview strips along the vectors (STRIP_STEPS each), and which vector names they are of. */
  vectorStrips = $state.raw<Float32Array | null>(null);
  vectorStripsFor = $state.raw<string[]>([]);
  /** The 95th percentile of recent slider decode latencies (ms) where the last one ran. */
  p95 = $state<number | null>(null);
  /** Where the last slider position was decoded. */
  decodedIn = $state<'page' | 'engine' | null>(null);
  /**
   * Slider decode latencies (ms, request to image), by where they ran; the last 500 of each.
   * Only decodes a person asked for by moving a slider count: the one a model's opening starts
   * (cold code, a busy page) is not what dragging feels like.
   */
  readonly timings: Record<'page' | 'engine', number[]> = { page: [], engine: [] };

  private decodes = 0;
  private tangent: Float64Array | null = null;
  private stripTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly decoder: LatestOnly<{ z: Float64Array; dragged: boolean }, DecodedImages | null>;

  constructor(private readonly app: TraversalContext) {
    this.decoder = new LatestOnly(
      async ({ z, dragged }) => {
        const start = performance.now();
        const out = await this.app.decode(Float32Array.from(z), 1);
        if (out && dragged) {
          const times = this.timings[out.via];
          times.push(performance.now() - start);
          if (times.length > 500) times.shift();
        }
        return out;
      },
      (out, { dragged }) => {
        if (!out || out.modelId !== this.app.modelId) return;
        this.image = out.images;
        if (!dragged) return;
        const times = this.timings[out.via];
        // The figure refreshes every tenth decode: repainting it on each would cost more than it tells.
        if (this.p95 === null || this.decodedIn !== out.via || ++this.decodes % 10 === 0)
          this.p95 = quantile(times.slice(-100), 0.95);
        this.decodedIn = out.via;
      },
      (error) => this.app.notices.push(`Decode failed: ${errorMessage(error)}`, 'error'),
    );
  }

  get spherical(): boolean {
    return this.app.spherical;
  }

  /** Sliders in display order (active first); built from the cloud's activity. */
  sliders = $derived.by((): SliderSpec[] => {
    const ordered: DimensionActivity[] = this.app.cloud.ordered.length
      ? this.app.cloud.ordered
      : this.priorDimensions();
    if (ordered.length === 0) return [];
    if (this.app.spherical) {
      // d − 1 tangent directions for S^{d−1}.
      return ordered.slice(0, ordered.length - 1).map((a, slot) => ({
        slot,
        axis: a.index,
        min: -Math.PI,
        max: Math.PI,
        step: Math.PI / 180,
        active: a.active,
        score: a.score,
      }));
    }
    return ordered.map((a, slot) => {
      const lo = Math.min(-3, a.mean - 4 * a.std);
      const hi = Math.max(3, a.mean + 4 * a.std);
      return {
        slot,
        axis: a.index,
        min: lo,
        max: hi,
        step: (hi - lo) / 400,
        active: a.active,
        score: a.score,
      };
    });
  });

  /**
   * Without a cloud (a decoder-only model, or one whose data is not known yet) the sliders span
   * the prior: every dimension, centred, ±3 standard deviations (the whole circle on a sphere).
   */
  private priorDimensions(): DimensionActivity[] {
    const model = this.app.library.current;
    if (!model || this.app.cloud.loading || this.app.cloud.data) return [];
    return Array.from({ length: model.latent.dim }, (_, index) => ({
      index,
      score: 1,
      mean: 0,
      std: 1,
      active: true,
    }));
  }

  /**
   * The sliders moved away from the base: latent axis and amount (radians on a sphere), then the
   * saved vectors moved, by name and amount.
   */
  offsets(): SliderOffset[] {
    const base = this.base;
    if (!base) return [];
    const out: SliderOffset[] = [];
    for (const s of this.sliders) {
      const v = this.values[s.slot] ?? 0;
      const delta = this.app.spherical ? v : v - base[s.axis];
      if (Math.abs(delta) > 1e-6) out.push({ axis: s.axis, delta });
    }
    this.vectors.forEach((v, i) => {
      const amount = this.amounts[i] ?? 0;
      if (Math.abs(amount) > 1e-6) out.push({ vector: v.name, delta: amount });
    });
    return out;
  }

  /** The latent the sliders describe now: the dimension sliders, then the vectors' amounts. */
  z(values: Float64Array = this.values, amounts: Float64Array = this.amounts): Float64Array | null {
    const base = this.base;
    if (!base) return null;
    let z: Float64Array;
    if (this.app.spherical) {
      z = this.tangent ? sphereExp(base, this.tangent, values) : normalize(base);
    } else {
      z = Float64Array.from(base);
      for (const s of this.sliders) z[s.axis] = values[s.slot] ?? z[s.axis];
    }
    this.vectors.forEach((v, i) => {
      const t = amounts[i] ?? 0;
      if (t === 0 || v.vector.length !== z.length) return;
      try {
        z = steer(z, v.vector, [t], { sphere: this.app.spherical, base: v.base });
      } catch {
        // Antipodal to the vector's base on a sphere: no unique way to carry it here.
      }
    });
    return z;
  }

  /** The model's saved vectors as sliders; an amount stays with its vector's name. */
  setVectors(list: VectorSlider[]): void {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const before = new Map(this.vectors.map((v, i) => [v.name, this.amounts[i] ?? 0]));
    this.vectors = list;
    this.amounts = Float64Array.from(list, (v) => before.get(v.name) ?? 0);
    if (!this.base) return;
    this.decodeNow();
    this.scheduleStrips(0);
  }

  setAmount(index: number, t: number): void {
    const next = Float64Array.from(this.amounts);
    next[index] = t;
    this.amounts = next;
    this.decodeNow(true);
    this.scheduleStrips();
  }

  /** Starts the sliders at `z` (reset, random, selected point, model change). */
  setBase(z: Float64Array | null, label: string): void {
    this.followsData = false;
    const spherical = this.app.spherical;
    const base = z ? (spherical ? normalize(z) : Float64Array.from(z)) : null;
    this.base = base;
    this.baseLabel = label;
    const sliders = this.sliders;
    if (!base) {
      this.values = new Float64Array(0);
      this.image = null;
      this.strips = null;
      this.vectorStrips = null;
      return;
    }
    // A new start: the vectors' amounts go back to zero with the sliders.
    this.amounts = new Float64Array(this.vectors.length);
    if (spherical) {
      this.tangent = sphereTangentBasis(
        base,
        sliders.map((s) => s.axis).concat(this.missingAxes(sliders)),
      );
      this.values = new Float64Array(sliders.length);
    } else {
      this.tangent = null;
      this.values = Float64Array.from(sliders, (s) => base[s.axis]);
    }
    this.decodeNow();
    this.scheduleStrips(0);
  }

  private missingAxes(sliders: SliderSpec[]): number[] {
    const d = this.base?.length ?? 0;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const used = new Set(sliders.map((s) => s.axis));
    return Array.from({ length: d }, (_, i) => i).filter((i) => !used.has(i));
  }

  setSlider(slot: number, value: number): void {
    const next = Float64Array.from(this.values);
    next[slot] = value;
    this.values = next;
    this.decodeNow(true);
    this.scheduleStrips();
  }

  /** The model's weights changed (a training epoch): follow the data's centre, or redraw. */
  refresh(): void {
    if (this.followsData) this.reset();
    else this.redraw();
  }

  /** Decodes the slider position and the strips again (the decoder's weights changed). */
  redraw(): void {
    if (!this.base) return;
    this.decodeNow();
    this.scheduleStrips(0);
  }

  /** Another model is opening: nothing of this one may stay (image, strips, latency figure). */
  clear(): void {
    if (this.stripTimer) clearTimeout(this.stripTimer);
    this.stripTimer = null;
    this.setBase(null, 'data mean');
    this.stripsFor = [];
    this.vectors = [];
    this.amounts = new Float64Array(0);
    this.vectorStrips = null;
    this.vectorStripsFor = [];
    this.p95 = null;
    this.decodedIn = null;
    this.timings.page.length = 0;
    this.timings.engine.length = 0;
  }

  /** Back to the start: the encoded item nearest the data mean (the mean if there is none). */
  reset(): void {
    const cloud = this.app.cloud;
    const centre = cloud.centre;
    const z = centre !== null ? cloud.latent(centre) : null;
    if (z && centre !== null) {
      const label = cloud.label(centre);
      this.setBase(z, `data centre: item #${centre}${label !== null ? ` (${label})` : ''}`);
    } else {
      const mean = cloud.mean;
      this.setBase(mean ? Float64Array.from(mean) : null, 'data mean');
    }
    this.followsData = true;
  }

  random(): void {
    const d = this.app.cloud.data?.dim ?? this.app.library.current?.latent.dim ?? 0;
    if (!d) return;
    const seed = this.randomSeed++;
    this.setBase(randomLatent(d, this.app.spherical, createRng(seed)), `prior sample #${seed}`);
  }

  fromSelection(): void {
    const cur = this.app.selection.current();
    if (cur) this.setBase(cur.z, cur.label);
  }

  private decodeNow(dragged = false): void {
    const z = this.z();
    if (z) this.decoder.request({ z, dragged });
  }

  /** Refreshes the strips once the sliders have been still for `ms`. */
  scheduleStrips(ms = 250): void {
    if (this.stripTimer) clearTimeout(this.stripTimer);
    this.stripTimer = setTimeout(() => void this.decodeStrips(), ms);
  }

  /** STRIP_STEPS decoded previews along each active slider, in one decode call. */
  async decodeStrips(): Promise<void> {
    this.stripTimer = null;
    const all = this.sliders;
    const sliders = (all.some((s) => s.active) ? all.filter((s) => s.active) : all).slice(0, 24);
    const d = this.base?.length ?? 0;
    const vectors = this.vectors.filter((v) => v.vector.length === d);
    if (!this.base || (sliders.length === 0 && vectors.length === 0) || !d) {
      this.strips = null;
      this.stripsFor = [];
      this.vectorStrips = null;
      this.vectorStripsFor = [];
      return;
    }
    const rows = sliders.length + vectors.length;
    const batch = new Float32Array(rows * STRIP_STEPS * d);
    sliders.forEach((s, i) => {
      for (let k = 0; k < STRIP_STEPS; k++) {
        const v = Float64Array.from(this.values);
        v[s.slot] = s.min + ((s.max - s.min) * k) / (STRIP_STEPS - 1);
        const z = this.z(v);
        if (z) batch.set(z, (i * STRIP_STEPS + k) * d);
      }
    });
    vectors.forEach((vs, j) => {
      const at = this.vectors.indexOf(vs);
      for (let k = 0; k < STRIP_STEPS; k++) {
        const a = Float64Array.from(this.amounts);
        a[at] = vs.min + ((vs.max - vs.min) * k) / (STRIP_STEPS - 1);
        const z = this.z(this.values, a);
        if (z) batch.set(z, ((sliders.length + j) * STRIP_STEPS + k) * d);
      }
    });
    try {
      const out = await this.app.decode(batch, rows * STRIP_STEPS);
      if (!out || out.modelId !== this.app.modelId) return;
      const per = out.images.length / (rows * STRIP_STEPS);
      const split = sliders.length * STRIP_STEPS * per;
      this.strips = sliders.length ? out.images.subarray(0, split) : null;
      this.stripsFor = sliders.map((s) => s.slot);
      this.vectorStrips = vectors.length ? out.images.subarray(split) : null;
      this.vectorStripsFor = vectors.map((v) => v.name);
    } catch (error) {
      this.app.notices.push(`Decode failed: ${errorMessage(error)}`, 'error');
    }
  }

  dispose(): void {
    if (this.stripTimer) clearTimeout(this.stripTimer);
  }
}
