import type { AtlasApi, EventPayload, ModelDetail } from '../api/connect';
import type { DimensionActivity } from '../lib/decoding/traversal';
import type { CloudData } from './cloud.svelte';
import type { NoticesStore } from './notices.svelte';

/*
 * What the sub-stores may reach of the page's state. `AppState` implements every interface
 * here; the stores take one of them instead of the app itself, so no store imports
 * `app.svelte.ts` (which constructs them) and the stores form no import circle. Siblings are
 * described by the few members a store uses, not by their classes: a store class importing this
 * module cannot be imported back by it.
 */

export interface DecodeResult {
  images: Float32Array;
  n: number;
  shape: number[];
}

/** Decoded images, and where they were decoded: in the page (dense decoders) or by the engine. */
export interface DecodedImages extends DecodeResult {
  via: 'page' | 'engine';
  /** The model that decoded them: a result for a model no longer on screen is dropped. */
  modelId: string;
}

/** A latent with what to call it and, when decoded, its image (a selection, a pinned end). */
export interface LabelledLatent {
  z: Float64Array;
  label: string;
  image: Float32Array | null;
}

/** The point cloud as the stores read it. */
export interface CloudView {
  readonly data: CloudData | null;
  /** A cloud is being fetched or encoded. */
  readonly loading: boolean;
  readonly ordered: DimensionActivity[];
  readonly mean: Float64Array | null;
  readonly centre: number | null;
  latent(index: number): Float64Array | null;
  label(index: number): string | null;
}

/** What every store that talks to the engine needs. */
export interface StoreContext {
  readonly api: AtlasApi;
  readonly notices: Pick<NoticesStore, 'push'>;
  /** The model on screen. */
  readonly modelId: string | null;
}

/** Stores that decode latents or fetch dataset items of the model on screen. */
export interface DecodingContext extends StoreContext {
  /** Sphere latents: points live on S^{d−1}. */
  readonly spherical: boolean;
  decode(z: Float32Array, n: number): Promise<DecodedImages | null>;
  items(points: readonly number[]): Promise<DecodeResult | null>;
}

export type CoverageContext = StoreContext;

export interface LibraryContext extends StoreContext {
  readonly cloud: { set(data: CloudData | null): void };
  openModel(modelId: string): Promise<void>;
}

export interface TrainingContext extends StoreContext {
  readonly library: { refresh(): Promise<void> };
  showTrainingLatents(e: EventPayload<'trainingLatents'>): Promise<void>;
}

export interface LocalDecoderContext extends StoreContext {
  readonly traversal: { redraw(): void };
}

export interface SelectionContext extends DecodingContext {
  readonly cloud: CloudView;
}

export interface TraversalContext extends DecodingContext {
  readonly cloud: CloudView;
  readonly library: { readonly current: ModelDetail | null };
  readonly selection: { current(): LabelledLatent | null };
}

export interface GenerationContext extends DecodingContext {
  readonly selection: {
    readonly a: LabelledLatent | null;
    readonly b: LabelledLatent | null;
    current(): LabelledLatent | null;
  };
  readonly traversal: { z(): Float64Array | null };
}
