import { extendEmbedding, UMAP_MAX } from '../lib/projection/umap-run';
import type { CloudData } from '../stores/cloud.svelte';
import type { ViewerStore } from '../stores/viewer.svelte';
import { startUmap, type ProjectionJob } from './projection-client';

/** A cloud's UMAP starts unseen this long after its first view, out of that view's way. */
const UMAP_BACKGROUND_DELAY_MS = 1500;

/**
 * The embedding a scheduler computes: UMAP by default; t-SNE (projection-client.ts) is scheduled the
 * same way, on its own points cap, never in the background and never from the engine's cache.
 */
export interface EmbeddingMethod {
  /** At most this many points are embedded; the rest are placed by their nearest neighbours. */
  max: number;
  /** Whether a saved cloud's embedding is computed unseen after its first view. */
  background: boolean;
  /** The engine's cached embedding of a saved cloud, if any. */
  cached(set: CloudData): Float32Array | null;
  start(
    data: Float32Array,
    n: number,
    d: number,
    onProgress: (epoch: number, epochs: number, embedding: Float32Array | null) => void,
  ): ProjectionJob;
}

export const UMAP_METHOD: EmbeddingMethod = {
  max: UMAP_MAX,
  background: true,
  cached: (set) => set.umap,
  start: (data, n, d, onProgress) => startUmap(data, n, d, { seed: 1 }, onProgress),
};

/** What the scheduler reports to and asks of the viewer. */
export interface UmapHost {
  /** The progress line and error the viewer shows (the viewer store). */
  readonly status: Pick<ViewerStore, 'umap' | 'umapError'>;
  /** The cloud on screen now: a background job starts only for it. */
  current(): CloudData | null;
  /** Keeps a finished UMAP of a saved cloud with the engine, for the next open. */
  save(set: CloudData, embedding: Float32Array): void;
  /** A watched job's intermediate embedding of a whole (unsampled), saved cloud; raw. */
  partial(set: CloudData, embedding: Float32Array, epoch: number, epochs: number): void;
  /** A job's embedding of all of `set`'s points (the unsampled rest placed by neighbours). */
  done(set: CloudData, embedding: Float32Array, live: boolean): void;
}

/**
 * When UMAP runs, on what, and what is kept: one job at a time in a worker, watched (progress
 * shown) or unseen (a background job, or one left running under another view), its results
 * cached per cloud so switching back to UMAP is instant.
 */
export class UmapScheduler {
  /** UMAPs of clouds (computed here or cached by the engine): switching back to UMAP is instant. */
  private readonly embeddings = new WeakMap<CloudData, Float32Array>();
  private job: ProjectionJob | null = null;
  private jobFor: CloudData | null = null;
  /** Whether the running job works unseen (another view is on screen). */
  private unseen = false;
  private backgroundTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: UmapHost,
    private readonly method: EmbeddingMethod = UMAP_METHOD,
  ) {}

  /** The embedding of `set` to show at once: one computed here, or the engine's for a saved cloud. */
  ready(set: CloudData, live: boolean): Float32Array | null {
    const ready = this.embeddings.get(set) ?? (!live ? this.method.cached(set) : null);
    if (!ready || ready.length !== set.n * 3) return null;
    this.embeddings.set(set, ready);
    return ready;
  }

  /** Whether a job for exactly these points is running. */
  runningFor(set: CloudData): boolean {
    return this.job !== null && this.jobFor === set;
  }

  /** The job running unseen for the cloud on screen comes into view: its progress shows. */
  watch(): void {
    this.unseen = false;
    this.host.status.umap = { epoch: 0, epochs: 1 };
  }

  /**
   * Another projection is on screen: a job for these very points goes on unseen (its result is
   * kept); others stop.
   */
  hide(set: CloudData | null): void {
    if (this.job && this.jobFor !== set) {
      this.job.cancel();
      this.job = null;
    }
    this.unseen = true;
    this.host.status.umap = null;
  }

  /**
   * A saved model's cloud without a cached UMAP: compute it unseen a moment after the first
   * view (not in its way), keep it for a switch to UMAP, and store it with the engine so the
   * next open has it at once.
   */
  scheduleBackground(set: CloudData | null, live: boolean): void {
    clearTimeout(this.backgroundTimer);
    if (
      !this.method.background ||
      !set ||
      live ||
      set.partial ||
      !set.weightsVersion ||
      this.method.cached(set) ||
      this.embeddings.has(set)
    )
      return;
    if (this.runningFor(set)) return;
    this.backgroundTimer = setTimeout(() => {
      if (this.host.current() !== set || this.embeddings.has(set) || this.runningFor(set)) return;
      this.run(set, false, true);
    }, UMAP_BACKGROUND_DELAY_MS);
  }

  /** Starts UMAP of `set`, replacing any running job; `unseen` keeps its progress off screen. */
  run(set: CloudData, live: boolean, unseen = false): void {
    const status = this.host.status;
    this.job?.cancel();
    status.umapError = null;
    const n = set.n;
    const sample = Math.min(n, this.method.max);
    this.unseen = unseen;
    if (!unseen) status.umap = { epoch: 0, epochs: 1 };
    // UMAP on the first `sample` rows (the snapshot is already a random subset of the data);
    // the remaining rows are placed at their nearest sampled neighbour, jittered slightly.
    let job: ProjectionJob;
    try {
      job = this.method.start(set.means, sample, set.dim, (epoch, epochs, partial) => {
        if (this.unseen) return;
        status.umap = { epoch, epochs };
        // A sampled cloud's partial embedding lacks the rest; a live one would only flicker.
        if (partial && sample === n && !live) this.host.partial(set, partial, epoch, epochs);
      });
    } catch (error) {
      // No Web Workers here: no UMAP, said only to whoever asked for it.
      if (!unseen) status.umapError = (error as Error).message;
      status.umap = null;
      return;
    }
    this.job = job;
    this.jobFor = set;
    job.promise
      .then((embedding) => {
        if (this.job !== job) return;
        this.job = null;
        this.jobFor = null;
        const full = sample === n ? embedding : extendEmbedding(set, embedding, sample);
        // A live snapshot's UMAP is stale at the next epoch: neither kept nor stored.
        if (!live) {
          this.embeddings.set(set, full);
          this.host.save(set, full);
        }
        this.host.done(set, full, live);
      })
      .catch((error: Error) => {
        if (this.job === job) {
          this.job = null;
          this.jobFor = null;
        }
        if (error.message !== 'cancelled' && !this.unseen) status.umapError = error.message;
        if (this.job === null) status.umap = null;
      });
  }

  dispose(): void {
    this.job?.cancel();
    clearTimeout(this.backgroundTimer);
  }
}
