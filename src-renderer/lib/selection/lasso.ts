/**
 * Box and lasso selection in screen space, through the camera the points are drawn with. Pure
 * maths over typed arrays: every point's 3D position goes through the camera's view-projection
 * matrix to a pixel of the canvas (CSS pixels, origin top left, y down), and is kept when that
 * pixel lies in the rectangle, or inside the lasso by the even–odd rule. Points behind the camera
 * (w ≤ 0) or clipped by its near or far plane are never selected: they are not drawn.
 *
 * Built for a million points: no allocation per point; the lasso's edges are bucketed into
 * horizontal bands once, so a point is tested against the few edges that cross its own row
 * (after a bounding-box check) instead of every edge of the polygon.
 */

/** How the points reach the screen. */
export interface ScreenCamera {
  /**
   * The 4 × 4 view-projection matrix (projection × view), column-major as three.js `Matrix4`
   * `elements` (and WebGL) store it.
   */
  viewProjection: ArrayLike<number>;
  /** The canvas size in CSS pixels. */
  width: number;
  height: number;
}

/** A rectangle between two corners, in any order (CSS pixels). */
export interface ScreenBox {
  kind: 'box';
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A closed polygon (the last vertex joins the first): x, y pairs in CSS pixels. */
export interface ScreenLasso {
  kind: 'lasso';
  points: ArrayLike<number>;
}

export type ScreenShape = ScreenBox | ScreenLasso;

export interface ScreenSelection {
  /** 1 for every selected point, 0 elsewhere (length n). */
  mask: Uint8Array;
  count: number;
}

/**
 * The pixel each of the first `n` points (positions n × 3) is drawn at, written to `out`
 * (n × 2); NaN for points that are not drawn (behind the camera, outside its depth range).
 */
export function projectToScreen(
  positions: ArrayLike<number>,
  n: number,
  camera: ScreenCamera,
  out: Float32Array = new Float32Array(n * 2),
): Float32Array {
  const m = camera.viewProjection;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = Array.from(
    { length: 16 },
    (_, i) => m[i],
  );
  const hw = camera.width / 2;
  const hh = camera.height / 2;
  for (let i = 0; i < n; i++) {
    const x = positions[i * 3];
    const y = positions[i * 3 + 1];
    const z = positions[i * 3 + 2];
    const w = m3 * x + m7 * y + m11 * z + m15;
    const cz = m2 * x + m6 * y + m10 * z + m14;
    if (!(w > 0) || cz < -w || cz > w) {
      out[i * 2] = NaN;
      out[i * 2 + 1] = NaN;
      continue;
    }
    out[i * 2] = ((m0 * x + m4 * y + m8 * z + m12) / w + 1) * hw;
    out[i * 2 + 1] = (1 - (m1 * x + m5 * y + m9 * z + m13) / w) * hh;
  }
  return out;
}

/**
 * The points of `positions` (n × 3) whose pixel lies in `shape`. `out` (length ≥ n) is reused
 * when given. A box includes its edges; a lasso with fewer than three vertices selects nothing.
 */
export function selectOnScreen(
  positions: ArrayLike<number>,
  n: number,
  camera: ScreenCamera,
  shape: ScreenShape,
  out: Uint8Array = new Uint8Array(n),
): ScreenSelection {
  const mask = out.length === n ? out : out.subarray(0, n);
  mask.fill(0);
  const lasso = shape.kind === 'lasso' ? bandedPolygon(shape.points) : null;
  if (shape.kind === 'lasso' && !lasso) return { mask, count: 0 };
  // The shape's bounds: the precheck that rejects most points with four comparisons.
  let left: number, right: number, top: number, bottom: number;
  if (lasso) {
    ({ left, right, top, bottom } = lasso);
  } else {
    const b = shape as ScreenBox;
    left = Math.min(b.x0, b.x1);
    right = Math.max(b.x0, b.x1);
    top = Math.min(b.y0, b.y1);
    bottom = Math.max(b.y0, b.y1);
  }
  const m = camera.viewProjection;
  const m0 = m[0],
    m1 = m[1],
    m2 = m[2],
    m3 = m[3],
    m4 = m[4],
    m5 = m[5],
    m6 = m[6],
    m7 = m[7],
    m8 = m[8],
    m9 = m[9],
    m10 = m[10],
    m11 = m[11],
    m12 = m[12],
    m13 = m[13],
    m14 = m[14],
    m15 = m[15];
  const hw = camera.width / 2;
  const hh = camera.height / 2;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = positions[i * 3];
    const y = positions[i * 3 + 1];
    const z = positions[i * 3 + 2];
    const w = m3 * x + m7 * y + m11 * z + m15;
    // Behind the camera (w ≤ 0, NaN included), or before its near or past its far plane.
    if (!(w > 0)) continue;
    const cz = m2 * x + m6 * y + m10 * z + m14;
    if (cz < -w || cz > w) continue;
    const sx = ((m0 * x + m4 * y + m8 * z + m12) / w + 1) * hw;
    if (sx < left || sx > right) continue;
    const sy = (1 - (m1 * x + m5 * y + m9 * z + m13) / w) * hh;
    if (sy < top || sy > bottom) continue;
    if (lasso && !lasso.contains(sx, sy)) continue;
    mask[i] = 1;
    count++;
  }
  return { mask, count };
}

/** A polygon prepared for many even–odd tests: its edges bucketed by the rows they cross. */
export interface BandedPolygon {
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Whether (x, y) is inside, by the even–odd rule. */
  contains(x: number, y: number): boolean;
}

/**
 * Prepares the polygon of `points` (x, y pairs; closed) for `contains`; null when it has fewer
 * than three vertices or no extent. Each non-horizontal edge is listed in every band its
 * half-open y range [min, max) touches; a point in band b needs only band b's edges, since an
 * edge can flip the even–odd count only for y in its own [min, max).
 */
export function bandedPolygon(points: ArrayLike<number>): BandedPolygon | null {
  const v = Math.floor(points.length / 2);
  if (v < 3) return null;
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (let k = 0; k < v; k++) {
    const x = points[k * 2];
    const y = points[k * 2 + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    if (x < left) left = x;
    if (x > right) right = x;
    if (y < top) top = y;
    if (y > bottom) bottom = y;
  }
  if (!(bottom > top) || !(right > left)) return null;
  // Edges as (x0, y0, slope dx/dy, yMin, yMax); horizontal ones never cross a row: dropped.
  const ex = new Float64Array(v);
  const ey = new Float64Array(v);
  const slope = new Float64Array(v);
  const ylo = new Float64Array(v);
  const yhi = new Float64Array(v);
  let edges = 0;
  for (let k = 0; k < v; k++) {
    const x0 = points[k * 2];
    const y0 = points[k * 2 + 1];
    const j = (k + 1) % v;
    const x1 = points[j * 2];
    const y1 = points[j * 2 + 1];
    if (y0 === y1) continue;
    ex[edges] = x0;
    ey[edges] = y0;
    slope[edges] = (x1 - x0) / (y1 - y0);
    ylo[edges] = Math.min(y0, y1);
    yhi[edges] = Math.max(y0, y1);
    edges++;
  }
  const bands = Math.max(1, Math.min(1024, edges));
  const height = (bottom - top) / bands;
  const bandOf = (y: number): number =>
    Math.min(bands - 1, Math.max(0, Math.floor((y - top) / height)));
  // Compressed rows: start[b] .. start[b + 1] index `list`, the edges of band b.
  const start = new Int32Array(bands + 1);
  for (let e = 0; e < edges; e++)
    for (let b = bandOf(ylo[e]); b <= bandOf(yhi[e]); b++) start[b + 1]++;
  for (let b = 0; b < bands; b++) start[b + 1] += start[b];
  const list = new Int32Array(start[bands]);
  const fill = start.slice(0, bands);
  for (let e = 0; e < edges; e++)
    for (let b = bandOf(ylo[e]); b <= bandOf(yhi[e]); b++) list[fill[b]++] = e;
  return {
    left,
    right,
    top,
    bottom,
    contains(x: number, y: number): boolean {
      if (x < left || x > right || y < top || y > bottom) return false;
      const b = bandOf(y);
      let inside = false;
      for (let k = start[b], end = start[b + 1]; k < end; k++) {
        const e = list[k];
        // The edge crosses the row y (half-open), and crosses it right of x.
        if (y >= ylo[e] && y < yhi[e] && x < ex[e] + (y - ey[e]) * slope[e]) inside = !inside;
      }
      return inside;
    },
  };
}

/** The number of set entries of a mask. */
export function countMask(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  return c;
}
