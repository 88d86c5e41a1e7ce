import { getContext, setContext } from 'svelte';
import type { AtlasApi, EventPayload, Result } from '../api/connect';
import { errorMessage } from '../api/connect';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import { cloudFromSnapshot, CloudStore, type CloudData } from './cloud.svelte';
import type {
  CoverageContext,
  DecodedImages,
  DecodeResult,
  GenerationContext,
  LibraryContext,
  LocalDecoderContext,
  SelectionContext,
  TrainingContext,
  TraversalContext,
} from './context';
import { CoverageStore } from './coverage.svelte';
import { FavouritesStore } from './favourites.svelte';
import { GenerationStore } from './generation.svelte';
import { LibraryStore } from './library.svelte';
import { LocalDecoderStore } from './local-decoder.svelte';
import { NoticesStore } from './notices.svelte';
import { SelectionStore } from './selection.svelte';
import { TrainingStore } from './training.svelte';
import { TraversalStore } from './traversal.svelte';
import { VectorsStore } from './vectors.svelte';
import { ViewerStore } from './viewer.svelte';
import { decodes } from '../lib/embedding';

/** Points of a cloud being encoded that are shown first, while the rest are encoded. */
export const FIRST_POINTS = 1_000;

export interface AppOptions {
  storage?: Storage | null;
  /** How many points to load for the viewer. */
  pointLimit?: number;
  /** Whether clouds may come from the engine's cache (false: always encoded, as before it). */
  useCache?: boolean;
  /** Whether an uncached cloud shows its first points before the rest (false: all at once). */
  stream?: boolean;
  /** Wait this long after opening a model before asking for its coverage report. */
  coverageDelayMs?: number;
  /** Saves bytes as a file in a browser page (Electron uses native dialogs). */
  download?: (bytes: Uint8Array, name: string, mime: string) => void;
}

/**
 * The page's state: one instance per window, holding the API and one store per concern. Stores
 * keep big typed arrays in `$state.raw` and no three.js objects at all; the viewer's controller
 * (viewer/viewer-controller.ts) owns those in plain fields. Each store is handed this object as
 * the narrow context it declares need of (stores/context.ts), so none of them imports this
 * module back.
 */
export class AppState
  implements
    CoverageContext,
    GenerationContext,
    LibraryContext,
    LocalDecoderContext,
    SelectionContext,
    TrainingContext,
    TraversalContext
{
  readonly notices = new NoticesStore();
  readonly viewer = new ViewerStore();
  readonly cloud = new CloudStore();
  readonly library: LibraryStore;
  readonly selection: SelectionStore;
  readonly traversal: TraversalStore;
  readonly generation: GenerationStore;
  readonly favourites: FavouritesStore;
  readonly training: TrainingStore;
  readonly coverage: CoverageStore;
  readonly localDecoder: LocalDecoderStore;
  /** Attribute vectors saved with the model: sliders, analogies and the attribute-axes view. */
  readonly vectors: VectorsStore;

  info = $state.raw<Result<'info'> | null>(null);
  status = $state<'connecting' | 'ready' | 'error'>('connecting');
  error = $state<string | null>(null);
  datasets = $state.raw<Result<'listDatasets'>['datasets']>([]);
  /** The latent geometries and objectives the engine has, as they describe themselves. */
  parts = $state.raw<Result<'listModelParts'>>({ geometries: [], objectives: [], flows: [] });
  /** Shown while a decode request is pending (for tests and a subtle busy hint). */
  decoding = $state(0);

  readonly pointLimit: number;
  readonly useCache: boolean;
  readonly stream: boolean;
  readonly coverageDelayMs: number;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly download: (bytes: Uint8Array, name: string, mime: string) => void;

  constructor(
    readonly api: AtlasApi,
    options: AppOptions = {},
  ) {
    this.pointLimit = options.pointLimit ?? 10_000;
    this.useCache = options.useCache ?? true;
    this.stream = options.stream ?? true;
    this.coverageDelayMs = options.coverageDelayMs ?? 1500;
    this.download = options.download ?? browserDownload;
    this.library = new LibraryStore(this);
    this.selection = new SelectionStore(this);
    this.traversal = new TraversalStore(this);
    this.generation = new GenerationStore(this);
    this.favourites = new FavouritesStore(options.storage ?? null);
    this.training = new TrainingStore(this);
    this.coverage = new CoverageStore(this);
    this.localDecoder = new LocalDecoderStore(this);
    this.vectors = new VectorsStore(this);
    this.unsubscribe.push(
      api.on('modelsChanged', () => void this.library.refresh()),
      api.on('hostError', (e) => this.notices.push(`Engine: ${e.message}`, 'error')),
    );
  }

  get modelId(): string | null {
    return this.library.current?.modelId ?? null;
  }

  /** The name of the model being opened, while it loads. */
  get openingName(): string | null {
    const id = this.library.opening;
    if (!id) return null;
    return this.library.models.find((m) => m.modelId === id)?.name ?? id;
  }

  /** Whether the open model's codes live on S^{d−1} (its geometry says: vMF, power spherical). */
  get spherical(): boolean {
    const kind = this.library.current?.latent.kind;
    return !!kind && this.isSpherical(kind);
  }

  /** Whether a latent geometry puts its codes on the unit sphere. */
  isSpherical(kind: string): boolean {
    return this.parts.geometries.find((g) => g.kind === kind)?.spherical ?? false;
  }

  /** Shape of one decoded item ([h, w, c] for images). */
  get itemShape(): number[] {
    return this.library.current?.inputShape ?? [];
  }

  /** Connects and opens the default model. */
  async start(): Promise<void> {
    try {
      this.info = await this.api.info({});
      await Promise.all([
        this.library.refresh(),
        this.training.refresh(),
        this.loadDatasets(),
        this.loadParts(),
      ]);
      this.status = 'ready';
      const first = this.library.defaultModel();
      if (first) await this.openModel(first.modelId);
    } catch (error) {
      this.status = 'error';
      this.error = errorMessage(error);
    }
  }

  async loadDatasets(): Promise<void> {
    try {
      this.datasets = (await this.api.listDatasets({})).datasets;
    } catch (error) {
      this.notices.push(`Could not list datasets: ${errorMessage(error)}`, 'error');
    }
  }

  async loadParts(): Promise<void> {
    try {
      this.parts = await this.api.listModelParts({});
    } catch (error) {
      this.notices.push(`Could not list latent geometries: ${errorMessage(error)}`, 'error');
    }
  }

  /** Counts model switches: results that arrive for an older one are dropped. */
  private switches = 0;

  /**
   * Starts showing model `modelId`: everything of the previous model leaves the screen at once
   * (header, cloud, sliders, previews, selection, coverage), the panels show that it loads, and
   * the returned check says whether a later switch has superseded this one.
   */
  private switchTo(modelId: string): () => boolean {
    const ticket = ++this.switches;
    this.library.current = null;
    this.library.opening = modelId;
    this.selection.clear();
    this.generation.clear();
    this.coverage.clear();
    this.localDecoder.clear();
    this.cloud.set(null);
    this.cloud.loading = true;
    this.cloud.pending = 0;
    this.traversal.clear();
    return () => ticket !== this.switches;
  }

  /**
   * Opens a model: its detail, its point cloud, its coverage report (holes) in the background.
   * The points are asked for at once, beside the detail: a cloud the engine has cached arrives
   * in milliseconds; one it must encode comes in two steps, the first `FIRST_POINTS` (shown as
   * soon as they come) and then the whole cloud, which replaces them.
   */
  async openModel(modelId: string): Promise<void> {
    const stale = this.switchTo(modelId);
    mark('atlas:open');
    const cache = this.useCache;
    const first =
      this.stream && this.pointLimit >= 2 * FIRST_POINTS
        ? this.api.latents({ modelId, limit: FIRST_POINTS, cache })
        : null;
    const whole = this.api.latents({ modelId, limit: this.pointLimit, cache });
    // Answered (or refused) while the detail loads: nothing may go unhandled.
    first?.catch(() => {});
    whole.catch(() => {});
    const model = await this.library.open(modelId, stale);
    if (stale()) return;
    if (!model) {
      this.cloud.loading = false;
      return;
    }
    // The decoder's weights come alongside the points, so the first slider image decodes in the page.
    const weights = this.localDecoder.load(modelId);
    let done = false;
    // With the decoder's weights: the sliders the first points bring then decode in the page,
    // not in the engine, whose CPU the rest of the encode needs.
    void (first ? Promise.all([first, weights]) : null)?.then(
      ([snapshot]) => {
        // A cached cloud comes whole in a moment: its first points would only flicker.
        if (stale() || done || this.cloud.data || snapshot.source === 'cache') return;
        this.viewer.modelOpened(this.spherical);
        this.cloud.set(cloudFromSnapshot(modelId, snapshot, null, true));
        mark('atlas:first-points');
        this.cloud.loading = false;
        this.cloud.pending = this.pointLimit;
        // The sliders come with the first points: start them (the whole cloud re-centres them
        // unless the person moved them meanwhile).
        this.traversal.reset();
      },
      () => {},
    );
    try {
      const [snapshot] = await Promise.all([whole, weights]);
      done = true;
      if (stale()) return;
      this.viewer.modelOpened(this.spherical, snapshot.umap3 !== undefined);
      const streamed = this.cloud.data !== null;
      this.cloud.set(cloudFromSnapshot(modelId, snapshot));
      if (!streamed) mark('atlas:first-points');
      mark('atlas:cloud');
      if (streamed) this.traversal.refresh();
      else this.traversal.reset();
    } catch (error) {
      done = true;
      await weights;
      if (stale()) return;
      this.cloud.set(null);
      // A model from ONNX without a dataset asks for one in the viewer instead.
      if (!(model.format === 'onnx' && !model.dataset))
        this.notices.push(`Could not encode the data: ${errorMessage(error)}`, 'error');
      // A decoder-only model still decodes: start the sliders at the prior's centre.
      const d = model.latent.dim;
      const z = new Float64Array(d);
      if (this.spherical) z[0] = 1;
      this.traversal.setBase(z, 'prior centre');
    } finally {
      if (!stale()) {
        this.cloud.loading = false;
        this.cloud.pending = 0;
      }
    }
    // The report (for the hole markers) is computed after the first decodes, not in their way.
    setTimeout(() => {
      if (!stale() && !this.coverage.report && !this.coverage.loading)
        void this.coverage.load(modelId);
    }, this.coverageDelayMs);
  }

  /**
   * Stores a UMAP the page computed of cloud `data` with the engine, beside the checkpoint, so
   * the next open shows it at once. Only for a whole cloud of saved weights; silent on failure
   * (the page simply computes it again next time).
   */
  async saveUmap(
    data: CloudData,
    embedding: Float32Array,
    kind: 'umap3' | 'tsne3' = 'umap3',
  ): Promise<void> {
    if (!this.useCache || !data.weightsVersion || data.partial || data.epoch !== null) return;
    if (embedding.length !== data.n * 3) return;
    try {
      await this.api.saveProjection({
        modelId: data.modelId,
        weightsVersion: data.weightsVersion,
        kind,
        split: data.split,
        n: data.n,
        coords: embedding,
      });
    } catch {
      /* a cache is a convenience */
    }
  }

  /** A live snapshot from training: the cloud glides to it (the viewer aligns it first). */
  async showTrainingLatents(e: EventPayload<'trainingLatents'>): Promise<void> {
    if (this.modelId !== e.modelId) {
      // Following a job onto another model: a switch like any other.
      if (this.library.opening === e.modelId) return;
      const stale = this.switchTo(e.modelId);
      const model = await this.library.open(e.modelId, stale);
      if (!model || stale()) return;
      await this.localDecoder.load(e.modelId);
      if (stale()) return;
      this.viewer.modelOpened(this.spherical);
      this.cloud.set(cloudFromSnapshot(e.modelId, e, e.epoch));
      this.cloud.loading = false;
      this.traversal.reset();
      return;
    }
    const previous = this.cloud.data;
    this.selection.invalidateThumbnails();
    this.cloud.set(cloudFromSnapshot(e.modelId, e, e.epoch), previous?.n === e.n);
    if (this.library.current) this.library.current = { ...this.library.current, epoch: e.epoch };
    this.traversal.refresh();
  }

  /**
   * Decodes n latents (row-major) with the model on screen: in the page when its decoder is a
   * dense stack whose weights are here, or an ONNX graph that runs faster in the page than in the
   * engine (localDecoder), else by the engine.
   */
  async decode(z: Float32Array, n: number): Promise<DecodedImages | null> {
    const modelId = this.modelId;
    if (!modelId || n === 0) return null;
    // An imported embedding has no decoder: nothing to decode (its panels say so).
    if (!decodes(this.library.current)) return null;
    const local = this.localDecoder.for(modelId);
    this.decoding++;
    try {
      if (local && z.length === n * local.latentDim) {
        try {
          const images = await local.decode(z, n);
          return { images, n, shape: [...local.shape], via: 'page', modelId };
        } catch (error) {
          // A page decoder that fails hands its model to the engine (a stale one: nothing to do).
          if (this.modelId !== modelId) return null;
          this.localDecoder.failed(modelId, error);
        }
      }
      const r = await this.api.decode({ modelId, z, n });
      return { images: r.images, n: r.n, shape: r.shape, via: 'engine', modelId };
    } finally {
      this.decoding--;
    }
  }

  /**
   * The original dataset items behind points of the cloud on screen (by point index), as the
   * model saw them in training. Null when there is no cloud or a point is not in it.
   */
  async items(points: readonly number[]): Promise<DecodeResult | null> {
    const modelId = this.modelId;
    const d = this.cloud.data;
    if (!modelId || !d || d.modelId !== modelId || points.length === 0) return null;
    if (!points.every((p) => Number.isInteger(p) && p >= 0 && p < d.n)) return null;
    const indices = Int32Array.from(points, (p) => d.indices[p]);
    const r = await this.api.items({ modelId, indices, split: d.split });
    return { images: r.images, n: r.n, shape: r.shape };
  }

  /** Export scale (pixels per image pixel); null: about 128 px an image. */
  exportScale = $state<number | null>(null);

  /**
   * Exports images as PNG (native save dialog in Electron, a download in a browser). With a
   * title or captions it is a contact sheet that says what each image is; `sidecar` (JSON, the
   * latents) is saved beside it as `<name>.json`.
   */
  async exportPng(
    images: Float32Array,
    n: number,
    name: string,
    columns?: number,
    sheet: { title?: string; captions?: string[]; sidecar?: unknown } = {},
  ): Promise<void> {
    const shape = this.itemShape;
    if (shape.length !== 3) {
      this.notices.push('Only image models export PNG', 'error');
      return;
    }
    try {
      const path = await this.savePath('png', name);
      if (path === undefined) return;
      const sidecar =
        sheet.sidecar === undefined ? undefined : JSON.stringify(sheet.sidecar, null, 2);
      const r = await this.api.exportPng({
        images,
        n,
        shape: shape as [number, number, 1 | 3],
        columns,
        scale: this.exportScale ?? Math.max(1, Math.round(128 / shape[1])),
        ...(sheet.title ? { title: sheet.title } : {}),
        ...(sheet.captions ? { captions: sheet.captions } : {}),
        // The native dialog has asked before replacing a file.
        ...(path ? { path, overwrite: true, ...(sidecar ? { sidecar } : {}) } : {}),
      });
      if (r.path) this.notices.push(`Saved ${r.path}`, 'success');
      else {
        this.download(r.png, name, 'image/png');
        if (sidecar)
          this.download(
            new TextEncoder().encode(sidecar),
            name.replace(/\.png$/i, '') + '.json',
            'application/json',
          );
      }
    } catch (error) {
      this.notices.push(`Export failed: ${errorMessage(error)}`, 'error');
    }
  }

  /** Exports latents (float32) or item indices (int32) as a .npy file. */
  async exportNpy(data: Float32Array | Int32Array, shape: number[], name: string): Promise<void> {
    try {
      const path = await this.savePath('npy', name);
      if (path === undefined) return;
      if (path) {
        const r = await this.api.exportNpy({ data, shape, path, overwrite: true });
        this.notices.push(`Saved ${r.path ?? path}`, 'success');
      } else {
        // No dialog: build the file here, no round trip needed.
        this.download(encodeNpy(data, shape), name, 'application/octet-stream');
      }
    } catch (error) {
      this.notices.push(`Export failed: ${errorMessage(error)}`, 'error');
    }
  }

  /** A path from the native dialog (Electron), null for a browser download, undefined if cancelled. */
  private async savePath(
    kind: 'png' | 'npy',
    defaultName: string,
  ): Promise<string | null | undefined> {
    if (!this.info?.dialogs) return null;
    const { path } = await this.api.chooseSavePath({
      kind,
      defaultName,
      title: `Export ${kind.toUpperCase()}`,
    });
    return path ?? undefined;
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.training.dispose();
    this.traversal.dispose();
    this.localDecoder.dispose();
  }
}

/** A performance mark (benchmarks read them: bench/first-minute.ts). */
function mark(name: string): void {
  globalThis.performance?.mark?.(name);
}

function browserDownload(bytes: Uint8Array, name: string, mime: string): void {
  const blob = new Blob([bytes as BlobPart], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const KEY = Symbol('latent-atlas-app');

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() outside <App>: provide an AppState first');
  return app;
}

export const APP_CONTEXT_KEY = KEY;
