import type { CloudData } from './cloud.svelte';

export type ProjectionMode = 'axes' | 'pca' | 'sphere' | 'tour' | 'umap' | 'tsne' | 'attributes';
/** Most saved vectors the attribute-axes view reads the cloud along (one per axis). */
export const MAX_AXIS_VECTORS = 3;
/** A built-in colour mode, or `meta:NAME`: the cloud's metadata column NAME. */
export type ColorMode = 'label' | 'cluster' | 'error' | 'density' | 'radius' | `meta:${string}`;

/** The colour mode of metadata column `name`. */
export const metadataMode = (name: string): ColorMode => `meta:${name}`;

/** The metadata column a colour mode names, or null for a built-in mode. */
export function metadataColumnOf(mode: ColorMode): string | null {
  return mode.startsWith('meta:') ? mode.slice('meta:'.length) : null;
}

export const PROJECTIONS: { id: ProjectionMode; label: string; title: string }[] = [
  { id: 'axes', label: 'z₁z₂z₃', title: 'The first three latent dimensions as they are' },
  { id: 'pca', label: 'PCA', title: 'The three directions of largest variance' },
  {
    id: 'sphere',
    label: 'Sphere',
    title: 'Directions on the unit sphere (hypersphere projection)',
  },
  {
    id: 'tour',
    label: 'Tour',
    title: 'Grand tour: a 3D view rotating smoothly through all dimensions',
  },
  {
    id: 'attributes',
    label: 'Attributes',
    title:
      'Attribute axes: the cloud along one to three saved attribute vectors; the other axes are the PCA of what the vectors leave',
  },
  { id: 'umap', label: 'UMAP', title: 'UMAP to 3D (computed in the background)' },
  {
    id: 'tsne',
    label: 't-SNE',
    title:
      't-SNE to 3D (Barnes–Hut, on a random 10,000 points at most; the rest placed at their nearest embedded neighbour)',
  },
];

export const COLOR_MODES: { id: ColorMode; label: string; title: string }[] = [
  { id: 'label', label: 'Label', title: 'Colour by the data set’s class label' },
  { id: 'cluster', label: 'Cluster', title: 'Colour by k-means cluster in latent space' },
  { id: 'error', label: 'Error', title: 'Colour by reconstruction error' },
  { id: 'density', label: 'Density', title: 'Colour by local density of the points on screen' },
  { id: 'radius', label: 'Radius', title: 'Colour by distance from the origin (‖z‖)' },
];

/** What the viewer shows and how: settings only, no three.js objects, no big arrays. */
export class ViewerStore {
  /**
   * The colour modes to offer for cloud `data`: the built-in ones (`base`), then one per
   * metadata column it carries (an imported embedding's TSV), categories or a number scale.
   */
  colorModes(
    data: CloudData | null,
    base: readonly { id: ColorMode; label: string; title: string }[] = COLOR_MODES,
  ): { id: ColorMode; label: string; title: string }[] {
    const columns = data?.metadata ?? [];
    return [
      ...base,
      ...columns.map((c) => ({
        id: metadataMode(c.name),
        label: c.name,
        title:
          c.kind === 'category'
            ? `Colour by the metadata column “${c.name}” (${c.categories.length} categories)`
            : `Colour by the metadata column “${c.name}” (numbers)`,
      })),
    ];
  }

  mode = $state<ProjectionMode>('pca');
  /** The saved vectors (names) the attribute-axes view reads along, x first. */
  axisVectors = $state.raw<string[]>([]);
  /** Why the attribute-axes view could not be drawn (it shows PCA meanwhile), or null. */
  axesError = $state<string | null>(null);
  colorBy = $state<ColorMode>('label');
  pointSize = $state(3);
  showHoles = $state(true);
  tourPlaying = $state(true);
  /** null until the viewer tried to start; false where WebGL is missing. */
  webgl = $state<boolean | null>(null);
  umap = $state<{ epoch: number; epochs: number } | null>(null);
  umapError = $state<string | null>(null);
  /** A running t-SNE's progress (shown while the t-SNE view is on screen), or its error. */
  tsne = $state<{ epoch: number; epochs: number } | null>(null);
  tsneError = $state<string | null>(null);
  /** When (performance.now()) a finished UMAP was last put on screen; 0: never. */
  umapShownAt = $state(0);
  /** Last drawn frame's CPU time. */
  frameMs = $state(0);
  private autoSphere = false;
  private autoUmap = false;
  private autoRadius = false;
  /** The person picked the projection on screen (not the app): opening a model keeps it. */
  private picked = false;

  /** The projection a person picks (a button): kept across models, except sphere latents'. */
  pick(mode: ProjectionMode, spherical: boolean): void {
    this.setMode(mode, spherical);
    this.picked = true;
  }

  /**
   * Picks a projection. The hypersphere view of a Gaussian latent shows directions, so its
   * colour switches to the radius (and back when leaving, unless the user chose otherwise).
   */
  setMode(mode: ProjectionMode, spherical: boolean): void {
    this.mode = mode;
    this.autoSphere = false;
    this.autoUmap = false;
    this.picked = false;
    if (mode === 'sphere' && !spherical && this.colorBy === 'label') {
      this.colorBy = 'radius';
      this.autoRadius = true;
    } else if (mode !== 'sphere' && this.autoRadius) {
      if (this.colorBy === 'radius') this.colorBy = 'label';
      this.autoRadius = false;
    }
  }

  /**
   * A model opens on its best view: sphere latents in the hypersphere view, others in their
   * UMAP when one is ready (cached), else PCA. A projection the person picked is kept (except
   * that sphere latents still open on the sphere from PCA or the raw axes).
   */
  modelOpened(spherical: boolean, umapReady = false): void {
    // A metadata column is the last model's: the next one starts from its labels again.
    if (metadataColumnOf(this.colorBy) !== null) this.colorBy = 'label';
    // Attribute axes are the last model's saved vectors: the next model opens on its own view.
    this.axisVectors = [];
    this.axesError = null;
    if (this.mode === 'attributes') this.setMode('pca', spherical);
    const auto = this.autoSphere || this.autoUmap;
    const flat = this.mode === 'pca' || this.mode === 'axes';
    if (spherical) {
      if (flat || auto) {
        this.setMode('sphere', true);
        this.autoSphere = true;
      }
    } else if (umapReady && (auto || (flat && !this.picked))) {
      if (this.mode !== 'umap' || !this.autoUmap) this.setMode('umap', false);
      this.autoUmap = true;
    } else if (auto) {
      this.setMode('pca', false);
    }
  }
}
