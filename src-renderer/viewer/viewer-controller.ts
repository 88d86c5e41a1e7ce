import type { ModelDetail } from '../api/connect';
import { normalizeEmbedding } from '../lib/projection/umap-run';
import { selectOnScreen, type ScreenShape } from '../lib/selection/lasso';
import { combineOf, gatherMask, spreadMask, type Combine } from '../lib/selection/mask';
import { subsetCloud } from '../lib/selection/subset';
import type { CloudData, CloudStore } from '../stores/cloud.svelte';
import type { CoverageStore } from '../stores/coverage.svelte';
import type { PointGroup, SelectionStore, SelectTool } from '../stores/selection.svelte';
import type { ViewerStore } from '../stores/viewer.svelte';
import { PointColouring } from './colouring';
import type { Legend } from './colouring';
import { PointCloudViewer } from './PointCloudViewer';
import { Projector } from './projector';
import { startTsne } from './projection-client';
import { UmapScheduler } from './umap-scheduler';
import type { UmapHost } from './umap-scheduler';
import { TSNE_MAX } from '../lib/projection/tsne-run';
import type { AxisVector } from '../lib/projection/attribute-axes';

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
    | 'tsne'
    | 'tsneError'
    | 'umapShownAt'
    | 'frameMs'
    | 'axisVectors'
    | 'axesError'
  >;
  /** The model's saved attribute vectors (the attribute-axes view reads along them). */
  readonly vectors: { readonly saved: readonly AxisVector[] };
  readonly cloud: Pick<CloudStore, 'data'>;
  readonly selection: Pick<
    SelectionStore,
    'selected' | 'neighbours' | 'hover' | 'select' | 'decodeAt'
  > & { readonly group: Pick<PointGroup, 'mask' | 'apply' | 'clear'> };
  readonly coverage: Pick<CoverageStore, 'holeCenters'>;
  readonly library: { readonly current: ModelDetail | null };
  readonly spherical: boolean;
  saveUmap(data: CloudData, embedding: Float32Array, kind?: 'umap3' | 'tsne3'): Promise<void>;
}

/** What the component shows of the viewer's work (its reactive bits). */
export interface ViewerOutputs {
  legend(legend: Legend | null): void;
  pointCount(count: number): void;
  /** The box or lasso being drawn (CSS pixels of the canvas), or null when none is. */
  drawing?(shape: ScreenShape | null): void;
}

/** A lasso vertex is added once the pointer has moved this many CSS pixels from the last. */
const LASSO_STEP_PX = 3;

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
  /** t-SNE, scheduled like UMAP (watched only: never in the background). */
  private readonly tsne: UmapScheduler;
  /** The attribute axes the camera last turned to face (null: another view). */
  private facedAxes: string | null = null;
  private tourHandle = 0;
  private tourLast = 0;
  private densityTick = 0;
  // Pointer: hover picks on the next frame; a click (little movement) selects or decodes.
  private down: { x: number; y: number; shiftKey: boolean; altKey: boolean } | null = null;
  /** How far (CSS pixels) the pointer has gone from where it went down: a click goes nowhere. */
  private travel = 0;
  /** How the pointer selects, and the box or lasso being drawn (canvas CSS pixels). */
  private tool: SelectTool = 'orbit';
  private drawn: { kind: 'box' | 'lasso'; points: number[] } | null = null;
  /** The points shown alone (isolate), and the cloud of them the projections see. */
  private isolated: Int32Array | null = null;
  private subset: { data: CloudData; points: Int32Array; view: CloudData } | null = null;
  private hoverPending = false;
  private lastMove: PointerEvent | null = null;

  constructor(
    private readonly app: ViewerContext,
    private readonly out: ViewerOutputs,
  ) {
    this.umap = new UmapScheduler(this.embeddingHost('umap', app.viewer));
    const viewer = app.viewer;
    // The t-SNE status lives in the store's tsne fields; the scheduler sees them as its own.
    const tsneStatus: UmapHost['status'] = {
      get umap() {
        return viewer.tsne;
      },
      set umap(value) {
        viewer.tsne = value;
      },
      get umapError() {
        return viewer.tsneError;
      },
      set umapError(value) {
        viewer.tsneError = value;
      },
    };
    this.tsne = new UmapScheduler(this.embeddingHost('tsne', tsneStatus), {
      max: TSNE_MAX,
      background: false,
      cached: (set) => set.tsne ?? null,
      start: (data, n, d, onProgress) => startTsne(data, n, d, { seed: 1 }, onProgress),
    });
  }

  /** How a scheduler of embedding `mode` reports its progress and results to this viewer. */
  private embeddingHost(mode: 'umap' | 'tsne', status: UmapHost['status']): UmapHost {
    const app = this.app;
    return {
      status,
      // Only the whole cloud is computed in the background (an isolated subset never is).
      current: () => app.cloud.data,
      save: (set, embedding) => {
        void app.saveUmap(set, embedding, mode === 'tsne' ? 'tsne3' : 'umap3');
      },
      partial: (set, embedding, epoch, epochs) => {
        if (this.projector.mode !== mode) return;
        const p = this.projector.setUmap(
          set,
          normalizeEmbedding(Float32Array.from(embedding)),
          false,
        );
        // Framed while the layout still spreads out, then left where the person put the camera.
        this.show(p, false, epoch <= epochs / 10);
      },
      done: (set, embedding, live) => this.umapDone(mode, set, embedding, live),
    };
  }

  /** A camera to put in place of the next framing of projection `mode` (a view from a link). */
  private pendingCamera: {
    mode: string;
    position: [number, number, number];
    target: [number, number, number];
  } | null = null;

  /** The camera's position and target, or null without a scene. */
  camera(): { position: [number, number, number]; target: [number, number, number] } | null {
    const viewer = this.viewer;
    if (!viewer) return null;
    const p = viewer.camera.position;
    const t = viewer.controls.target;
    return { position: [p.x, p.y, p.z], target: [t.x, t.y, t.z] };
  }

  /** Puts the camera at `position`, looking at `target`. */
  setCamera(position: [number, number, number], target: [number, number, number]): void {
    const viewer = this.viewer;
    if (!viewer) return;
    viewer.camera.position.set(...position);
    viewer.controls.target.set(...target);
    viewer.controls.update();
    viewer.requestRender();
  }

  /**
   * Restores a camera once projection `mode` is on screen: at once when it already is, else in
   * place of the framing its points get when they arrive (a UMAP or t-SNE still computing).
   */
  restoreCamera(
    mode: string,
    position: [number, number, number],
    target: [number, number, number],
  ): void {
    if (this.projector.mode === mode && this.projector.positions) this.setCamera(position, target);
    else this.pendingCamera = { mode, position, target };
  }

  /** Calls `listener` whenever the camera moves; returns the unsubscription. */
  onCameraChange(listener: () => void): () => void {
    const controls = this.viewer?.controls;
    if (!controls) return () => {};
    controls.addEventListener('change', listener);
    return () => controls.removeEventListener('change', listener);
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
    this.tsne.dispose();
    this.viewer?.dispose();
    this.viewer = null;
  }

  /** The attribute-axes view's angles and residual variance, while it is on screen. */
  axesInfo(): Projector['axesInfo'] {
    return this.projector.mode === 'attributes' ? this.projector.axesInfo : null;
  }

  /**
   * Projects the cloud on screen anew (new data, new projection). `live`: a training snapshot
   * of the same points, which glides from the previous one instead of jumping.
   */
  reproject(live: boolean): void {
    const settings = this.app.viewer;
    const set = this.viewData();
    const mode = settings.mode;
    const axes = settings.axisVectors.flatMap((name) => {
      const saved = this.app.vectors.saved.find((v) => v.name === name);
      return saved ? [saved] : [];
    });
    const update = this.projector.update(set, mode, {
      live,
      spherical: this.app.spherical,
      axes,
    });
    if (mode === 'attributes') settings.axesError = this.projector.axesError;
    if (mode !== 'umap') this.umap.hide(set);
    if (mode !== 'tsne') this.tsne.hide(set);
    if (update.needsUmap && set) {
      const scheduler = mode === 'tsne' ? this.tsne : this.umap;
      const ready = scheduler.ready(set, live);
      if (ready) {
        if (mode === 'tsne') settings.tsne = null;
        else settings.umap = null;
        this.show(this.projector.setUmap(set, ready, false), false, true);
        settings.umapShownAt = performance.now();
        return;
      }
      // The first points of a cloud still coming: its UMAP waits for the whole cloud.
      if (set.partial) {
        this.show(null, false, false);
        return;
      }
      if (scheduler.runningFor(set)) {
        // Already computing in the background: now it is watched.
        scheduler.watch();
        this.show(null, false, false);
        return;
      }
      scheduler.run(set, live);
      return;
    }
    // New attribute axes face the viewer: x to the right, y up, z toward the camera.
    const axesKey = mode === 'attributes' ? settings.axisVectors.join('\n') : null;
    const face = axesKey !== null && axesKey !== this.facedAxes;
    this.facedAxes = axesKey;
    this.show(update.positions, update.transition, !live || face, face ? [0, 0, 1] : undefined);
    this.umap.scheduleBackground(set, live);
  }

  /** A UMAP job finished: shown if its cloud and the UMAP view are still on screen. */
  private umapDone(
    mode: 'umap' | 'tsne',
    set: CloudData,
    embedding: Float32Array,
    live: boolean,
  ): void {
    const settings = this.app.viewer;
    if (this.projector.data !== set) return;
    if (mode === 'tsne') settings.tsne = null;
    else settings.umap = null;
    if (this.projector.mode !== mode) return;
    const positions = this.projector.positions;
    const hadUmap = positions !== null && positions.length === embedding.length;
    const p = this.projector.setUmap(set, embedding, live);
    this.show(p, live && hadUmap, !live);
    settings.umapShownAt = performance.now();
  }

  private show(
    positions: Float32Array | null,
    transition: boolean,
    fit: boolean,
    from?: [number, number, number],
  ): void {
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
    if (fit && this.pendingCamera && this.pendingCamera.mode === this.projector.mode) {
      // A view from a link: its camera, not a fresh framing.
      const { position, target } = this.pendingCamera;
      this.pendingCamera = null;
      this.setCamera(position, target);
    } else if (fit) viewer?.fit(from);
    else viewer?.refitIfNeeded();
    this.showSelection();
    this.showMarks();
    this.placeHoles();
  }

  /** Colours for the points at `positions`, telling the component the legend that goes with them. */
  private colours(positions: Float32Array): Uint8Array {
    const { colors, legend } = this.colouring.colour(
      positions,
      this.viewData(),
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
    const shown = (i: number) => this.toView(i);
    this.viewer?.setSelection(
      selected === null ? null : shown(selected) < 0 ? null : shown(selected),
      neighbours.map(shown).filter((i) => i >= 0),
    );
  }

  /** The single selected point's rings, where the view shows it. */
  private showSelection(): void {
    this.setSelection(this.app.selection.selected, this.app.selection.neighbours);
  }

  /** The selected group stands out (the mask is over the whole cloud). */
  setGroup(mask: Uint8Array | null): void {
    void mask;
    this.showMarks();
  }

  private showMarks(): void {
    const viewer = this.viewer;
    if (!viewer) return;
    const mask = this.app.selection.group.mask;
    const n = this.app.cloud.data?.n ?? 0;
    if (!mask || mask.length !== n) {
      viewer.setMarks(null);
      return;
    }
    const subset = this.currentSubset();
    viewer.setMarks(subset ? gatherMask(mask, subset.points) : mask);
  }

  /**
   * Shows only `points` of the cloud (ascending point numbers), projected anew as a cloud of its
   * own; null shows every point again. `reproject` false: the caller reprojects next.
   */
  setIsolation(points: Int32Array | null, reproject = true): void {
    const next = points && points.length > 0 ? points : null;
    if (next === this.isolated) return;
    this.isolated = next;
    if (reproject) this.reproject(false);
  }

  /** The cloud the view shows: the whole cloud, or the isolated points of it. */
  private viewData(): CloudData | null {
    return this.currentSubset()?.view ?? this.app.cloud.data;
  }

  private currentSubset(): { data: CloudData; points: Int32Array; view: CloudData } | null {
    const data = this.app.cloud.data;
    const points = this.isolated;
    if (!data || !points || data.partial) return null;
    if (this.subset?.data === data && this.subset.points === points) return this.subset;
    // Isolated points that this cloud no longer has: the store lets go of them (sync).
    if (points[points.length - 1] >= data.n) return null;
    this.subset = { data, points, view: subsetCloud(data, points) };
    return this.subset;
  }

  /** The point of the whole cloud that view point `i` is. */
  private toCloud(i: number): number {
    const subset = this.currentSubset();
    return subset ? subset.points[i] : i;
  }

  /** Where the view shows point `i` of the whole cloud; −1 when it does not. */
  private toView(i: number): number {
    const subset = this.currentSubset();
    if (!subset) return i;
    // Binary search: the isolated points are ascending.
    const p = subset.points;
    let lo = 0;
    let hi = p.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (p[mid] === i) return mid;
      if (p[mid] < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The decode-anywhere marker. */
  setTarget(point: ArrayLike<number> | null): void {
    this.viewer?.setTarget(point);
  }

  /** Prior holes from the coverage report, where the projection puts them. */
  placeHoles(): void {
    const settings = this.app.viewer;
    const centers = this.app.coverage.holeCenters;
    const d = this.viewData()?.dim;
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
      this.showSelection();
      this.placeHoles();
    }
    this.tourHandle = requestAnimationFrame(this.tourFrame);
  };

  /** Frames the cloud. */
  fit(): void {
    this.viewer?.fit();
  }

  /** How the pointer selects: orbit (a click picks a point), or drag a box or a lasso. */
  setTool(tool: SelectTool): void {
    this.tool = tool;
    this.cancelDrawing();
    this.viewer?.setOrbit(tool === 'orbit');
    if (this.canvas) this.canvas.style.cursor = 'crosshair';
  }

  pointerMove(e: PointerEvent): void {
    this.lastMove = e;
    if (this.down)
      this.travel = Math.max(
        this.travel,
        Math.hypot(e.clientX - this.down.x, e.clientY - this.down.y),
      );
    if (this.drawn && this.down) {
      this.extendDrawing(e);
      return;
    }
    if (e.buttons !== 0 || this.hoverPending) return;
    this.hoverPending = true;
    requestAnimationFrame(() => {
      this.hoverPending = false;
      const ev = this.lastMove;
      const viewer = this.viewer;
      const canvas = this.canvas;
      if (!ev || !viewer || !canvas || this.drawn) return;
      const picked = viewer.pick(ev.clientX, ev.clientY);
      const idx = picked === null ? null : this.toCloud(picked);
      const rect = canvas.getBoundingClientRect();
      this.app.selection.hover(idx, ev.clientX - rect.left, ev.clientY - rect.top);
      canvas.style.cursor = idx === null ? 'crosshair' : 'pointer';
    });
  }

  pointerDown(e: PointerEvent): void {
    this.down = { x: e.clientX, y: e.clientY, shiftKey: e.shiftKey, altKey: e.altKey };
    this.travel = 0;
    if (this.tool !== 'orbit' && e.button === 0 && this.canvas) {
      const at = this.canvasPoint(e);
      this.drawn = { kind: this.tool, points: [at[0], at[1]] };
      this.app.selection.hover(null);
      // Keep the drag even when it leaves the canvas.
      this.canvas.setPointerCapture?.(e.pointerId);
    }
  }

  /**
   * A click on a point selects it; one in empty space decodes the latent there. A drag with the
   * box or lasso selects the points inside it (shift adds, alt subtracts).
   */
  pointerUp(e: PointerEvent): void {
    const down = this.down;
    if (!down || e.button !== 0) return;
    // A lasso ends where it began: how far the pointer went is what tells a drag from a click.
    const moved = Math.max(this.travel, Math.hypot(e.clientX - down.x, e.clientY - down.y));
    this.down = null;
    const drawn = this.drawn;
    if (drawn) {
      this.extendDrawing(e);
      this.cancelDrawing();
      if (moved > 4) {
        this.selectInside(
          drawn,
          combineOf({
            shiftKey: down.shiftKey || e.shiftKey,
            altKey: down.altKey || e.altKey,
          }),
        );
        return;
      }
    }
    const viewer = this.viewer;
    if (moved > 4 || !viewer) return;
    const picked = viewer.pick(e.clientX, e.clientY);
    if (picked !== null) {
      void this.app.selection.select(this.toCloud(picked));
      return;
    }
    const point = viewer.worldPointAt(e.clientX, e.clientY, this.projector.view?.kind === 'sphere');
    if (!point) return;
    const z = this.projector.unproject(point);
    if (z) this.app.selection.decodeAt(z, point);
  }

  /** The pointer left without a button up (cancelled, lost capture): no selection is made. */
  pointerCancel(): void {
    this.down = null;
    this.cancelDrawing();
  }

  private canvasPoint(e: { clientX: number; clientY: number }): [number, number] {
    const rect = this.canvas!.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  private extendDrawing(e: { clientX: number; clientY: number }): void {
    const drawn = this.drawn;
    if (!drawn || !this.canvas) return;
    const [x, y] = this.canvasPoint(e);
    const pts = drawn.points;
    if (drawn.kind === 'box') {
      drawn.points = [pts[0], pts[1], x, y];
    } else {
      const lx = pts[pts.length - 2];
      const ly = pts[pts.length - 1];
      if (Math.hypot(x - lx, y - ly) < LASSO_STEP_PX) return;
      pts.push(x, y);
    }
    this.out.drawing?.(this.shapeOf(drawn));
  }

  private shapeOf(drawn: { kind: 'box' | 'lasso'; points: number[] }): ScreenShape {
    const p = drawn.points;
    return drawn.kind === 'box'
      ? { kind: 'box', x0: p[0], y0: p[1], x1: p[2] ?? p[0], y1: p[3] ?? p[1] }
      : { kind: 'lasso', points: p.slice() };
  }

  private cancelDrawing(): void {
    if (!this.drawn) return;
    this.drawn = null;
    this.out.drawing?.(null);
  }

  /** Selects the points drawn inside a box or lasso, through the camera as it is now. */
  private selectInside(drawn: { kind: 'box' | 'lasso'; points: number[] }, how: Combine): void {
    const viewer = this.viewer;
    const data = this.app.cloud.data;
    if (!viewer || !data || viewer.pointCount === 0) return;
    const n = viewer.pointCount;
    const { mask } = selectOnScreen(
      viewer.drawnPositions(),
      n,
      viewer.screenCamera(),
      this.shapeOf(drawn),
    );
    const subset = this.currentSubset();
    const full = subset ? spreadMask(mask, subset.points, data.n) : mask;
    if (full.length !== data.n) return;
    this.app.selection.group.apply(full, how, drawn.kind);
  }

  key(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      // A box or lasso being drawn is dropped; otherwise both selections are cleared.
      if (this.drawn) {
        this.down = null;
        this.cancelDrawing();
        return;
      }
      void this.app.selection.select(null);
      this.app.selection.group.clear();
    }
    if (e.key === 'f') this.viewer?.fit();
  }
}
