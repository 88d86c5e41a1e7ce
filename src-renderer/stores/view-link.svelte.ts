import { decodeViewState, encodeViewState } from '../lib/bookmarks/view-state';
import type { ViewState } from '../lib/bookmarks/view-state';
import type { CloudStore } from './cloud.svelte';
import type { LibraryStore } from './library.svelte';
import type { SelectionStore } from './selection.svelte';
import type { TraversalStore } from './traversal.svelte';
import type { ViewerStore } from './viewer.svelte';
import type { ColorMode } from './viewer.svelte';
import { metadataColumnOf } from './viewer.svelte';

/** How long the view must stay still before the URL's hash follows it. */
export const HASH_DEBOUNCE_MS = 300;

type Camera = { position: [number, number, number]; target: [number, number, number] };

/** What the link needs of the viewer's scene. */
export interface LinkCamera {
  camera(): Camera | null;
  restoreCamera(mode: string, position: Camera['position'], target: Camera['target']): void;
}

/** What the link reads and drives of the page (the app implements it; no store imports the app). */
interface LinkContext {
  readonly traversal: TraversalStore;
  readonly viewer: ViewerStore;
  readonly cloud: CloudStore;
  readonly library: LibraryStore;
  readonly selection: SelectionStore;
  readonly vectors: { readonly loadedFor: string | null };
  readonly status: 'connecting' | 'ready' | 'error';
  readonly modelId: string | null;
  readonly spherical: boolean;
  openModel(modelId: string): Promise<void>;
}

/**
 * The view as the page URL's hash: read when the page opens (applied once its model's whole
 * cloud is on screen), and written back (debounced, `history.replaceState`) as the view changes.
 */
export class ViewLink {
  /** Why the link the page opened with was not applied, or null. */
  error = $state<string | null>(null);
  /** A link's view still waiting for its model and cloud. */
  pending = $state.raw<ViewState | null>(null);
  private opening: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly app: LinkContext) {}

  /** Reads the hash the page opened with. */
  read(hash: string): void {
    const decoded = decodeViewState(hash);
    if (!decoded) return;
    if (decoded.ok) this.pending = decoded.state;
    else this.error = `Link not opened: ${decoded.reason}.`;
  }

  /** The view on screen now, or null while there is none (no model, points still coming). */
  capture(scene: LinkCamera): ViewState | null {
    const app = this.app;
    const data = app.cloud.data;
    if (!data || data.partial || !app.modelId || data.modelId !== app.modelId) return null;
    const group = app.selection.group;
    const rows = group.points();
    const items = Array.from(rows, (r) => data.indices[r]);
    const camera = scene.camera();
    return {
      modelId: data.modelId,
      projection: app.viewer.mode,
      colorBy: app.viewer.colorBy,
      ...(camera ? { camera } : {}),
      filter: group.query,
      selection: items,
      ...(app.traversal.values.length ? { sliders: Array.from(app.traversal.values) } : {}),
      ...(app.viewer.mode === 'attributes' && app.viewer.axisVectors.length
        ? { axes: [...app.viewer.axisVectors] }
        : {}),
      ...vectorAmounts(app.traversal),
    };
  }

  /**
   * Applies the pending view when it can: opens its model first, then waits for the whole
   * cloud. Returns whether it applied it.
   */
  step(scene: LinkCamera): boolean {
    const state = this.pending;
    const app = this.app;
    if (!state || app.status !== 'ready') return false;
    if (app.modelId !== state.modelId) {
      if (!app.library.models.some((m) => m.modelId === state.modelId)) {
        if (app.library.models.length === 0) return false;
        this.error = `Link not opened: model “${state.modelId}” is not in the library.`;
        this.pending = null;
        return false;
      }
      if (this.opening !== state.modelId) {
        this.opening = state.modelId;
        void app.openModel(state.modelId);
      }
      return false;
    }
    const data = app.cloud.data;
    if (!data || data.modelId !== state.modelId || data.partial || app.cloud.pending > 0)
      return false;
    // Axes and vector sliders name the model's saved vectors: wait until they are listed.
    if ((state.axes || state.vectorAmounts) && app.vectors.loadedFor !== state.modelId)
      return false;
    this.pending = null;
    this.opening = null;
    const viewer = app.viewer;
    if (viewer.mode !== state.projection) viewer.pick(state.projection, app.spherical);
    if (state.projection === 'attributes') viewer.axisVectors = state.axes ?? [];
    const column = metadataColumnOf(state.colorBy as ColorMode);
    if (
      viewer.colorModes(data).some((m) => m.id === state.colorBy) ||
      (column !== null && data.metadata.some((c) => c.name === column))
    )
      viewer.colorBy = state.colorBy as ColorMode;
    const group = app.selection.group;
    // The selection is of this cloud (the viewer's own sync, run later, then keeps it).
    group.sync(data);
    group.query = state.filter;
    // Item index → row of the cloud (items the cloud lacks are left out).
    let top = -1;
    for (let r = 0; r < data.n; r++) top = Math.max(top, data.indices[r]);
    const rowOf = new Int32Array(top + 1).fill(-1);
    for (let r = 0; r < data.n; r++) rowOf[data.indices[r]] = r;
    const rows = state.selection.filter((i) => i <= top && rowOf[i] >= 0).map((i) => rowOf[i]);
    if (rows.length) group.selectPoints(rows, 'replace', 'from the link');
    else group.clear();
    // The sliders: only onto as many as the link has (the same model's sliders).
    const sliders = state.sliders;
    const values = app.traversal.values;
    if (sliders && sliders.length === values.length)
      sliders.forEach((v, slot) => {
        if (Math.abs(values[slot] - v) > 1e-4) app.traversal.setSlider(slot, v);
      });
    // The vectors' sliders, by name (a vector deleted since is left out).
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
    const amounts = new Map(state.vectorAmounts ?? []);
    app.traversal.vectors.forEach((v, i) => {
      const a = amounts.get(v.name) ?? 0;
      if (Math.abs((app.traversal.amounts[i] ?? 0) - a) > 1e-4) app.traversal.setAmount(i, a);
    });
    if (state.camera)
      scene.restoreCamera(state.projection, state.camera.position, state.camera.target);
    return true;
  }

  /** The view changed: the hash follows it a moment later (never over a link still to apply). */
  schedule(scene: LinkCamera): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.write(scene), HASH_DEBOUNCE_MS);
  }

  /** The view on screen as link text (what a bookmark stores), or null while there is none. */
  text(scene: LinkCamera): string | null {
    const state = this.capture(scene);
    return state ? encodeViewState(state) : null;
  }

  /** Opens a saved view (a bookmark's text) as if the page had opened on its link. */
  open(text: string, scene: LinkCamera): void {
    this.error = null;
    this.read(text);
    this.step(scene);
  }

  /** Writes the view on screen into the URL's hash now. */
  write(scene: LinkCamera): void {
    if (this.pending) return;
    const state = this.capture(scene);
    if (!state) return;
    const hash = encodeViewState(state);
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** The vector sliders moved away from zero, by name. */
function vectorAmounts(t: TraversalStore): { vectorAmounts?: [string, number][] } {
  const moved = t.vectors.flatMap((v, i): [string, number][] =>
    Math.abs(t.amounts[i] ?? 0) > 1e-6 ? [[v.name, t.amounts[i]]] : [],
  );
  return moved.length ? { vectorAmounts: moved } : {};
}
