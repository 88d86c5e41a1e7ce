import { z } from 'zod';

/**
 * A view of the atlas as a link: which model, which projection, where the camera is, how the
 * points are coloured, the filter text, the selected points and the latent sliders. It travels
 * in the page URL's hash as `#view=1.<base64url of JSON>` (versioned, compact, validated: a hash
 * of another version or a damaged one is refused, never half-applied), and is what a named
 * bookmark stores.
 */
export const VIEW_STATE_VERSION = 1;
const PREFIX = `view=${VIEW_STATE_VERSION}.`;
/** The largest hash this page reads (a selection of every point of a big cloud still fits). */
const MAX_HASH = 2_000_000;

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

export const ViewStateSchema = z.strictObject({
  /** Model id. */
  m: z.string().min(1).max(200),
  /** Projection. */
  p: z.enum(['axes', 'pca', 'sphere', 'tour', 'umap', 'tsne', 'attributes']),
  /** Colour mode (a built-in one or `meta:NAME`). */
  c: z.string().min(1).max(200),
  /** Camera position and target. */
  cam: z.strictObject({ pos: Vec3, target: Vec3 }).optional(),
  /** Filter text of the search box. */
  q: z.string().max(2000).default(''),
  /** Selected point indices, encoded by encodeIndices. */
  s: z.string().max(MAX_HASH).default(''),
  /** Slider offsets (the latent the sliders hold), rounded to 4 decimals. */
  z: z.array(z.number()).max(4096).optional(),
  /** The saved vectors the attribute-axes view reads along, x first. */
  ax: z.array(z.string().min(1).max(64)).min(1).max(3).optional(),
  /** Amounts of the saved vectors' sliders, by name (those moved only). */
  va: z
    .array(z.tuple([z.string().min(1).max(64), z.number()]))
    .max(256)
    .optional(),
});

export interface ViewState {
  modelId: string;
  projection: z.infer<typeof ViewStateSchema>['p'];
  colorBy: string;
  camera?: { position: [number, number, number]; target: [number, number, number] };
  filter: string;
  /** Indices of the selected points, ascending, no repeats. */
  selection: number[];
  sliders?: number[];
  /** Attribute axes (saved vector names, x first). */
  axes?: string[];
  /** Saved vectors' slider amounts, by name. */
  vectorAmounts?: [string, number][];
}

const round = (v: number, places: number) => {
  const f = 10 ** places;
  return Math.round(v * f) / f;
};

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const b = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

/**
 * Ascending indices as base64url of LEB128 varints of the gaps (first index + 1, then each
 * difference): a run of neighbours costs a byte each, a scattered thousand about two.
 */
export function encodeIndices(indices: ArrayLike<number>): string {
  const bytes: number[] = [];
  let previous = -1;
  for (let k = 0; k < indices.length; k++) {
    let gap = indices[k] - previous;
    previous = indices[k];
    while (gap >= 0x80) {
      bytes.push((gap & 0x7f) | 0x80);
      gap = Math.floor(gap / 128);
    }
    bytes.push(gap);
  }
  return toBase64Url(Uint8Array.from(bytes));
}

/** The indices encodeIndices wrote; throws on a damaged encoding. */
export function decodeIndices(text: string): number[] {
  const bytes = fromBase64Url(text);
  const out: number[] = [];
  let previous = -1;
  let gap = 0;
  let shift = 1;
  for (const b of bytes) {
    gap += (b & 0x7f) * shift;
    if (b & 0x80) {
      shift *= 128;
      if (shift > 2 ** 35) throw new Error('index too large');
      continue;
    }
    if (gap < 1) throw new Error('indices not ascending');
    previous += gap;
    out.push(previous);
    gap = 0;
    shift = 1;
  }
  if (shift !== 1) throw new Error('truncated index');
  return out;
}

/** The hash (with its leading '#') that carries `state`. */
export function encodeViewState(state: ViewState): string {
  const selection = [...new Set(state.selection)].sort((a, b) => a - b);
  const wire: z.input<typeof ViewStateSchema> = {
    m: state.modelId,
    p: state.projection,
    c: state.colorBy,
    ...(state.camera
      ? {
          cam: {
            pos: state.camera.position.map((v) => round(v, 4)) as [number, number, number],
            target: state.camera.target.map((v) => round(v, 4)) as [number, number, number],
          },
        }
      : {}),
    q: state.filter,
    s: encodeIndices(selection),
    ...(state.sliders ? { z: state.sliders.map((v) => round(v, 4)) } : {}),
    ...(state.axes?.length ? { ax: state.axes } : {}),
    ...(state.vectorAmounts?.length
      ? { va: state.vectorAmounts.map(([name, v]): [string, number] => [name, round(v, 4)]) }
      : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(wire));
  return `#${PREFIX}${toBase64Url(json)}`;
}

/** Why a hash was refused, or the view it carries. A hash without a view is null. */
export type DecodedHash = { ok: true; state: ViewState } | { ok: false; reason: string } | null;

/** Reads a hash (with or without '#'): null when it carries no view at all. */
export function decodeViewState(hash: string): DecodedHash {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text.startsWith('view=')) return null;
  if (!text.startsWith(PREFIX)) {
    const version = text.slice('view='.length).split('.')[0];
    return {
      ok: false,
      reason: `this link is of view version ${version}, not ${VIEW_STATE_VERSION}`,
    };
  }
  if (text.length > MAX_HASH) return { ok: false, reason: 'this link is too long' };
  try {
    const json: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(text.slice(PREFIX.length))),
    );
    const parsed = ViewStateSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'this link’s view is damaged' };
    const w = parsed.data;
    return {
      ok: true,
      state: {
        modelId: w.m,
        projection: w.p,
        colorBy: w.c,
        ...(w.cam ? { camera: { position: w.cam.pos, target: w.cam.target } } : {}),
        filter: w.q,
        selection: decodeIndices(w.s),
        ...(w.z ? { sliders: w.z } : {}),
        ...(w.ax ? { axes: w.ax } : {}),
        ...(w.va ? { vectorAmounts: w.va } : {}),
      },
    };
  } catch {
    return { ok: false, reason: 'this link’s view is damaged' };
  }
}
