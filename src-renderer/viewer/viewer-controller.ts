import type { ModelDetail } from '../api/connect';
import { normalizeEmbedding } from '../lib/projection/umap-run';
import type { CloudData, CloudStore } from '../stores/cloud.svelte';
import type { CoverageStore } from '../stores/coverage.svelte';
import type { SelectionStore } from '../stores/selection.svelte';
import type { ViewerStore } from '../stores/viewer.svelte';
import { PointColouring } from './colouring';
import type { Legend } from './colouring';
import { PointCloudViewer } from './PointCloudViewer';
import { Projector } from './projector';
import { UmapScheduler } from './umap-scheduler';

/** What the viewer reads and writes of the page's state (`AppState` is one). */
export interface ViewerContext {
  /** The viewer's settings; it writes back webgl, frameMs and the UMAP status. */
  readonly viewer: Pick<
    ViewerStore,
    | 'mode'
    | 'colorBy'
    | 'pointSize'
    | 'showHoles'
    | 'webgl'
    | 'umap'
    | 'umapError'
    | 'umapShownAt'
    | 'frameMs'
  >;
  readonly cloud: Pick<CloudStore, 'data'>;
  readonly selection: Pick<
    SelectionStore,
    'selected' | 'neighbours' | 'hover' | 'select' | 'decodeAt'
  >;
  readonly coverage: Pick<CoverageStore, 'holeCenters'>;
  readonly library: { readonly current: ModelDetail | null };
  readonly spherical: boolean;
  saveUmap(data: CloudData, embedding: Float32Array): Promise<void>;
}

/** What the component shows of the viewer's work (its reactive bits). */
export interface ViewerOutputs {
  legend(legend: Legend | null): void;
  pointCount(count: number): void;
}

/**
 * The 3D viewer's logic, without Svelte: the scene is created on a canvas, the cloud is fed in
 * (projected, coloured, with selection, target and hole markers), UMAP is scheduled, the grand
 * tour animates, and pointer events pick and decode. The component forwards state changes here
 * (each call outside reactive tracking) and draws the legend and counts it is told of.
 */
export class ViewerController {
  // three.js and big arrays live here, never in reactive state.
  private viewer: PointCloudViewer | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private readonly projector = new Projector();
  private readonly colouring = new PointColouring();
  private readonly umap: UmapScheduler;
  private tourHandle = 0;
  private tourLast = 0;
  private densityTick = 0;
  // Pointer: hover picks on the next frame; a click (little movement) selects or decodes.
  private down: { x: number; y: number } | null = null;
  private hoverPending = false;
  private lastMove: PointerEvent | null = null;

  constructor(
    private readonly app: ViewerContext,
    private readonly out: ViewerOutputs,
  ) {
    this.umap = new UmapScheduler({
      status: app.viewer,
      current: () => app.cloud.data,
      save: (set, embedding) => void app.saveUmap(set, embedding),
      partial: (set, embedding, epoch, epochs) => {
        if (this.projector.mode !== 'umap') return;
        const p = this.projector.setUmap(
          set,
          normalizeEmbedding(Float32Array.from(embedding)),
          false,
        );
        // Framed while the layout still spreads out, then left where the person put the camera.
        this.show(p, false, epoch <= epochs / 10);
      },
      done: (set, embedding, live) => this.umapDone(set, embedding, live),
    });
  }

  /** Creates the scene on `canvas` (none where WebGL is missing) and shows the cloud. */
  mount(canvas: HTMLCanvasElement): void {
    const settings = this.app.viewer;
    this.canvas = canvas;
    this.viewer = PointCloudViewer.create(canvas, { onFrame: (ms) => (settings.frameMs = ms) });
    settings.webgl = this.viewer !== null;
    this.viewer?.setPointSize(settings.pointSize);
    this.reproject(false);
  }

  dispose(): void {
    cancelAnimationFrame(this.tourHandle);
    this.umap.dispose();
    this.viewer?.dispose();
    this.viewer = null;
  }

  /**
   * Projects the cloud on screen anew (new data, new projection). `live`: a training snapshot
   * of the same points, which glides from the previous one instead of jumping.
   */
  reproject(live: boolean): void {
    const settings = this.app.viewer;
    const set = this.app.cloud.data;
    const mode = settings.mode;
    const update = this.projector.update(set, mode, { live, spherical: this.app.spherical });
    if (update.needsUmap && set) {
      const ready = this.umap.ready(set, live);
      if (ready) {
        settings.umap = null;
        this.show(this.projector.setUmap(set, ready, false), false, true);
        settings.umapShownAt = performance.now();
        return;
      }
      // The first points of a cloud still coming: its UMAP waits for the whole cloud.
      if (set.partial) {
        this.show(null, false, false);
        return;
      }
      if (this.umap.runningFor(set)) {
        // Already computing in the background: now it is watched.
        this.umap.watch();
        this.show(null, false, false);
        return;
      }
      this.umap.run(set, live);
      return;
    }
    if (mode !== 'umap') this.umap.hide(set);
    this.show(update.positions, update.transition, !live);
    this.umap.scheduleBackground(set, live);
  }

  /** A UMAP job finished: shown if its cloud and the UMAP view are still on screen. */
  private umapDone(set: CloudData, embedding: Float32Array, live: boolean): void {
    const settings = this.app.viewer;
    if (this.projector.data !== set) return;
    settings.umap = null;
    if (this.projector.mode !== 'umap') return;
    const positions = this.projector.positions;
    const hadUmap = positions !== null && positions.length === embedding.length;
    const p = this.projector.setUmap(set, embedding, live);
    this.show(p, live && hadUmap, !live);
    settings.umapShownAt = performance.now();
  }

  private show(positions: Float32Array | null, transition: boolean, fit: boolean): void {
    const viewer = this.viewer;
    this.out.pointCount(positions ? positions.length / 3 : 0);
    viewer?.setSphereVisible(this.projector.view?.kind === 'sphere');
    if (!positions) {
      viewer?.setPoints(new Float32Array(0), new Uint8Array(0), false);
      this.out.legend(null);
      return;
    }
    const colors = this.colours(positions);
    viewer?.setPoints(positions, colors, transition);
    if (fit) viewer?.fit();
    else viewer?.refitIfNeeded();
    viewer?.setSelection(this.app.selection.selected, this.app.selection.neighbours);
    this.placeHoles();
  }

  /** Colours for the points at `positions`, telling the component the legend that goes with them. */
  private colours(positions: Float32Array): Uint8Array {
    const { colors, legend } = this.colouring.colour(
      positions,
      this.app.cloud.data,
      this.app.viewer.colorBy,
      this.app.library.current,
    );
    if (legend) this.out.legend(legend);
    return colors;
  }

  /** The colour mode changed. */
  recolor(): void {
    const p = this.projector.positions;
    if (!p || !this.viewer) {
      // No scene (no WebGL): the legend still says what the colours would mean.
      if (p) this.colours(p);
      return;
    }
    this.viewer.setColors(this.colours(p));
  }

  setPointSize(px: number): void {
    this.viewer?.setPointSize(px);
  }

  setSelection(selected: number | null, neighbours: readonly number[]): void {
    this.viewer?.setSelection(selected, neighbours);
  }

  /** The decode-anywhere marker. */
  setTarget(point: ArrayLike<number> | null): void {
    this.viewer?.setTarget(point);
  }

  /** Prior holes from the coverage report, where the projection puts them. */
  placeHoles(): void {
    const settings = this.app.viewer;
    const centers = this.app.coverage.holeCenters;
    const d = this.app.cloud.data?.dim;
    const viewer = this.viewer;
    if (!viewer) return;
    if (
      !settings.showHoles ||
      centers.length === 0 ||
      !d ||
      centers[0].length !== d ||
      !this.projector.positions
    ) {
      viewer.setHoles(null);
      return;
    }
    viewer.setHoles(this.projector.projectLatents(centers));
  }

  /** Grand tour: animates only while it plays. */
  setTourPlaying(playing: boolean): void {
    cancelAnimationFrame(this.tourHandle);
    if (playing) {
      this.tourLast = performance.now();
      this.tourHandle = requestAnimationFrame(this.tourFrame);
    }
  }

  private readonly tourFrame = (now: number): void => {
    const dt = Math.min(0.1, (now - this.tourLast) / 1000);
    this.tourLast = now;
    const p = this.projector.tourStep(dt);
    const viewer = this.viewer;
    if (p && viewer) {
      viewer.updatePositions(p);
      // Density colours follow the moving projection a few times a second.
      if (this.app.viewer.colorBy === 'density' && ++this.densityTick % 15 === 0)
        viewer.setColors(this.colours(p));
      viewer.setSelection(this.app.selection.selected, this.app.selection.neighbours);
      this.placeHoles();
    }
    this.tourHandle = requestAnimationFrame(this.tourFrame);
  };

  /** Frames the cloud. */
  fit(): void {
    this.viewer?.fit();
  }

  pointerMove(e: PointerEvent): void {
    this.lastMove = e;
    if (e.buttons !== 0 || this.hoverPending) return;
    this.hoverPending = true;
    requestAnimationFrame(() => {
      this.hoverPending = false;
      const ev = this.lastMove;
      const viewer = this.viewer;
      const canvas = this.canvas;
      if (!ev || !viewer || !canvas) return;
      const idx = viewer.pick(ev.clientX, ev.clientY);
      const rect = canvas.getBoundingClientRect();
      this.app.selection.hover(idx, ev.clientX - rect.left, ev.clientY - rect.top);
      canvas.style.cursor = idx === null ? 'crosshair' : 'pointer';
    });
  }

  pointerDown(e: PointerEvent): void {
    this.down = { x: e.clientX, y: e.clientY };
  }

  /** A click on a point selects it; one in empty space decodes the latent there. */
  pointerUp(e: PointerEvent): void {
    const down = this.down;
    if (!down || e.button !== 0) return;
    const moved = Math.hypot(e.clientX - down.x, e.clientY - down.y);
    this.down = null;
    const viewer = this.viewer;
    if (moved > 4 || !viewer) return;
    const idx = viewer.pick(e.clientX, e.clientY);
    if (idx !== null) {
      void this.app.selection.select(idx);
      return;
    }
    const point = viewer.worldPointAt(e.clientX, e.clientY, this.projector.view?.kind === 'sphere');
    if (!point) return;
    const z = this.projector.unproject(point);
    if (z) this.app.selection.decodeAt(z, point);
  }

  key(e: KeyboardEvent): void {
    if (e.key === 'Escape') void this.app.selection.select(null);
    if (e.key === 'f') this.viewer?.fit();
  }
}
