import type { Matrix } from '../../../src-main/shared/maths/linalg';
import { pca } from './pca';

/**
 * A view maps a latent vector x ∈ R^d to a 3D point and back.
 *
 * - `linear`: y = Fᵀ(x − origin) + offset, with F a d × 3 orthonormal frame. Covers the first
 *   three dimensions (F = [e1 e2 e3]), PCA (F = principal directions) and the grand tour (F
 *   rotating). The inverse x = origin + F(y − offset) is exact on the 3D subspace it shows.
 * - `sphere`: y = Fᵀx / ‖Fᵀx‖: a point on S^{d−1} goes to S² through the frame and is
 *   renormalised. The inverse lifts p ∈ S² to F·p (already unit length) and scales it to
 *   `liftRadius` (1 on sphere latents; the typical radius for Gaussian latents, whose direction
 *   is shown).
 */
export interface View {
  kind: 'linear' | 'sphere';
  d: number;
  origin: Float64Array;
  /** d × 3, row-major, orthonormal columns (zero columns when d < 3). */
  frame: Matrix;
  offset: Float64Array;
  liftRadius: number;
  /**
   * Linear views whose frame is not orthonormal (attribute axes): the d × 3 map back,
   * x = origin + inverse·(y − offset). Absent: the frame itself (its own pseudo-inverse).
   */
  inverse?: Matrix;
}

export function linearView(d: number, frame: Matrix, origin?: Float64Array): View {
  return {
    kind: 'linear',
    d,
    origin: origin ?? new Float64Array(d),
    frame,
    offset: new Float64Array(3),
    liftRadius: 1,
  };
}

export function sphereView(d: number, frame: Matrix, liftRadius = 1): View {
  return {
    kind: 'sphere',
    d,
    origin: new Float64Array(d),
    frame,
    offset: new Float64Array(3),
    liftRadius,
  };
}

/** The frame [e1 e2 e3] (zero columns past d). */
export function axesFrame(d: number): Matrix {
  const f = new Float64Array(d * 3);
  for (let j = 0; j < Math.min(3, d); j++) f[j * 3 + j] = 1;
  return f;
}

/**
 * The first three latent dimensions, shown as they are (no centring), with the inverse filling
 * the other dimensions from `fill` (e.g. the data mean) so decoded points stay plausible.
 */
export function axesView(d: number, fill?: ArrayLike<number>): View {
  const origin = new Float64Array(d);
  if (fill) for (let i = 3; i < d; i++) origin[i] = fill[i];
  return linearView(d, axesFrame(d), origin);
}

/** PCA to 3D: centred at the mean, the top three principal directions as the frame. */
export function pcaView(data: ArrayLike<number>, n: number, d: number): View {
  const p = pca(data, n, d, { k: 3 });
  return linearView(d, p.basis, p.mean);
}

/**
 * The hypersphere view: the frame is the top three directions of the uncentred second moment of
 * the unit directions x/‖x‖ (where the points spread most over the sphere); `liftRadius` is the
 * median radius, 1 for points already on the sphere.
 */
export function hypersphereView(data: ArrayLike<number>, n: number, d: number): View {
  const dirs = new Float32Array(n * d);
  const radii = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += data[r * d + i] * data[r * d + i];
    const len = Math.sqrt(s);
    radii[r] = len;
    const inv = len > 0 ? 1 / len : 0;
    for (let i = 0; i < d; i++) dirs[r * d + i] = data[r * d + i] * inv;
  }
  const p = pca(dirs, n, d, { k: 3, center: false });
  const sorted = Array.from(radii).sort((a, b) => a - b);
  const median = n > 0 ? sorted[Math.floor(n / 2)] : 1;
  return sphereView(d, p.basis, median > 0 ? median : 1);
}

/** Projects one latent vector. */
export function project(view: View, x: ArrayLike<number>, out = new Float64Array(3)): Float64Array {
  const { d, frame, origin } = view;
  let y0 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < d; i++) {
    const v = x[i] - origin[i];
    y0 += v * frame[i * 3];
    y1 += v * frame[i * 3 + 1];
    y2 += v * frame[i * 3 + 2];
  }
  if (view.kind === 'sphere') {
    const len = Math.hypot(y0, y1, y2);
    if (len > 1e-12) {
      out[0] = y0 / len;
      out[1] = y1 / len;
      out[2] = y2 / len;
    } else {
      // No component in the frame: any point of S² is as close; pick the pole.
      out[0] = 0;
      out[1] = 0;
      out[2] = 1;
    }
  } else {
    out[0] = y0 + view.offset[0];
    out[1] = y1 + view.offset[1];
    out[2] = y2 + view.offset[2];
  }
  return out;
}

/** Projects n rows (row-major n × d) into `out` (n × 3). */
export function projectAll(
  view: View,
  data: ArrayLike<number>,
  n: number,
  out: Float32Array = new Float32Array(n * 3),
): Float32Array {
  const { d, frame, origin, offset } = view;
  const f = frame;
  const sphere = view.kind === 'sphere';
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < d; i++) {
      const v = data[o + i] - origin[i];
      y0 += v * f[i * 3];
      y1 += v * f[i * 3 + 1];
      y2 += v * f[i * 3 + 2];
    }
    if (sphere) {
      const len = Math.hypot(y0, y1, y2);
      if (len > 1e-12) {
        out[r * 3] = y0 / len;
        out[r * 3 + 1] = y1 / len;
        out[r * 3 + 2] = y2 / len;
      } else {
        out[r * 3] = 0;
        out[r * 3 + 1] = 0;
        out[r * 3 + 2] = 1;
      }
    } else {
      out[r * 3] = y0 + offset[0];
      out[r * 3 + 1] = y1 + offset[1];
      out[r * 3 + 2] = y2 + offset[2];
    }
  }
  return out;
}

/**
 * Maps a 3D point back to a latent vector. Linear views: origin + F(y − offset). Sphere views:
 * the point is first put on S² (normalised), lifted through the frame and renormalised to
 * `liftRadius`.
 */
export function unproject(view: View, y: ArrayLike<number>): Float64Array {
  const { d, frame } = view;
  const x = new Float64Array(d);
  if (view.kind === 'sphere') {
    let len = Math.hypot(y[0], y[1], y[2]);
    const p = len > 1e-12 ? [y[0] / len, y[1] / len, y[2] / len] : [0, 0, 1];
    for (let i = 0; i < d; i++) {
      x[i] = frame[i * 3] * p[0] + frame[i * 3 + 1] * p[1] + frame[i * 3 + 2] * p[2];
    }
    len = 0;
    for (let i = 0; i < d; i++) len += x[i] * x[i];
    len = Math.sqrt(len);
    if (len < 1e-12) {
      // Only possible when d < 3 and p points along a missing axis: fall back to e1.
      x.fill(0);
      x[0] = 1;
      len = 1;
    }
    for (let i = 0; i < d; i++) x[i] *= view.liftRadius / len;
    return x;
  }
  const q0 = y[0] - view.offset[0];
  const q1 = y[1] - view.offset[1];
  const q2 = y[2] - view.offset[2];
  const back = view.inverse ?? frame;
  for (let i = 0; i < d; i++) {
    x[i] = view.origin[i] + back[i * 3] * q0 + back[i * 3 + 1] * q1 + back[i * 3 + 2] * q2;
  }
  return x;
}

/** Euclidean lengths of n rows (the radius used as colour in the hypersphere view). */
export function rowNorms(data: ArrayLike<number>, n: number, d: number): Float32Array {
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += data[r * d + i] * data[r * d + i];
    out[r] = Math.sqrt(s);
  }
  return out;
}

/**
 * A copy of a view with its frame right-multiplied by R (3 × 3, orthogonal) and a new offset. An
 * inverse map turns with it: y' = Rᵀy, so x = origin + (inverse·R)·y'.
 */
export function rotateView(
  view: View,
  rotation: ArrayLike<number>,
  offset?: ArrayLike<number>,
): View {
  const { d } = view;
  const turn = (m: Matrix): Matrix => {
    const out = new Float64Array(d * 3);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let p = 0; p < 3; p++) s += m[i * 3 + p] * rotation[p * 3 + j];
        out[i * 3 + j] = s;
      }
    }
    return out;
  };
  const next: View = {
    ...view,
    frame: turn(view.frame),
    ...(view.inverse ? { inverse: turn(view.inverse) } : {}),
    offset: new Float64Array(3),
  };
  if (view.kind === 'linear' && offset) next.offset.set(Array.from(offset).slice(0, 3));
  return next;
}
