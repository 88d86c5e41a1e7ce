import { orthonormalizeColumns } from '../../../src-main/shared/maths/linalg';
import type { Rng } from '../rng';
import { normalVector, uniformOnSphere } from '../rng';

export interface DimensionActivity {
  index: number;
  /** The score dimensions are ordered by: KL per dimension when known, else variance. */
  score: number;
  /** Mean and standard deviation of the encoded data along this dimension. */
  mean: number;
  std: number;
  active: boolean;
}

/** Activity per dimension from the latents: variance of the means (Burda et al.: > 0.01). */
export function activityFromLatents(
  data: ArrayLike<number>,
  n: number,
  d: number,
  kl?: ArrayLike<number> | null,
  threshold = 0.01,
): DimensionActivity[] {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      const v = data[r * d + i];
      mean[i] += v;
      sq[i] += v * v;
    }
  }
  const out: DimensionActivity[] = [];
  for (let i = 0; i < d; i++) {
    const m = n > 0 ? mean[i] / n : 0;
    const variance = n > 1 ? Math.max(0, (sq[i] - n * m * m) / (n - 1)) : 0;
    out.push({
      index: i,
      score: kl ? kl[i] : variance,
      mean: m,
      std: Math.sqrt(variance),
      active: variance > threshold,
    });
  }
  return out;
}

/** Active dimensions first, each group by descending score (ties by index). */
export function orderByActivity(dims: readonly DimensionActivity[]): DimensionActivity[] {
  return [...dims].sort(
    (a, b) => Number(b.active) - Number(a.active) || b.score - a.score || a.index - b.index,
  );
}

/**
 * An orthonormal basis of the tangent space of S^{d−1} at the unit vector z0: the standard
 * directions in `order`, with their z0 component removed (Gram–Schmidt). Column j (d × (d−1),
 * row-major) is the direction slider j turns the point along. A direction parallel to z0 has no
 * tangent part and is skipped, so there are always d − 1 columns.
 */
export function sphereTangentBasis(z0: ArrayLike<number>, order: readonly number[]): Float64Array {
  const d = z0.length;
  const cols = d - 1;
  const m = new Float64Array(d * (cols + 1));
  const k = cols + 1;
  for (let i = 0; i < d; i++) m[i * k] = z0[i];
  let j = 1;
  for (const axis of order) {
    if (j >= k) break;
    // e_axis minus its projection on z0 and the earlier columns.
    const col = new Float64Array(d);
    col[axis] = 1;
    for (let p = 0; p < j; p++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += m[i * k + p] * col[i];
      for (let i = 0; i < d; i++) col[i] -= s * m[i * k + p];
    }
    let len = 0;
    for (let i = 0; i < d; i++) len += col[i] * col[i];
    if (len < 1e-10) continue;
    for (let i = 0; i < d; i++) m[i * k + j] = col[i] / Math.sqrt(len);
    j++;
  }
  orthonormalizeColumns(m, d, k);
  const out = new Float64Array(d * cols);
  for (let i = 0; i < d; i++) for (let c = 0; c < cols; c++) out[i * cols + c] = m[i * k + c + 1];
  return out;
}

/**
 * The point reached from z0 by turning along the tangent directions by the given angles: the
 * exponential map exp_{z0}(v) = cos‖v‖·z0 + sin‖v‖·v/‖v‖ with v = Σ angleⱼ·tⱼ. A single slider
 * moves along one great circle through z0; any combination stays on the sphere.
 */
export function sphereExp(
  z0: ArrayLike<number>,
  tangent: Float64Array,
  angles: ArrayLike<number>,
): Float64Array {
  const d = z0.length;
  const cols = d - 1;
  const v = new Float64Array(d);
  for (let c = 0; c < Math.min(cols, angles.length); c++) {
    const a = angles[c];
    if (a === 0) continue;
    for (let i = 0; i < d; i++) v[i] += a * tangent[i * cols + c];
  }
  let len = 0;
  for (let i = 0; i < d; i++) len += v[i] * v[i];
  len = Math.sqrt(len);
  const out = new Float64Array(d);
  const c = Math.cos(len);
  const s = len > 1e-12 ? Math.sin(len) / len : 1;
  for (let i = 0; i < d; i++) out[i] = c * z0[i] + s * v[i];
  // Renormalise against rounding.
  let n2 = 0;
  for (let i = 0; i < d; i++) n2 += out[i] * out[i];
  const inv = 1 / Math.sqrt(n2);
  for (let i = 0; i < d; i++) out[i] *= inv;
  return out;
}

/** Unit-length copy (e1 for the zero vector). */
export function normalize(x: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const out = Float64Array.from(x);
  if (s < 1e-24) {
    out.fill(0);
    out[0] = 1;
    return out;
  }
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

/**
 * `count` variations around z (row-major count × d). Flat latents: z + radius·ε, ε ~ N(0, I).
 * Sphere latents: a random tangent direction of angle `radius` (radians) from z.
 */
export function variations(
  z: ArrayLike<number>,
  radius: number,
  count: number,
  spherical: boolean,
  rng: Rng,
): Float32Array {
  const d = z.length;
  const out = new Float32Array(count * d);
  for (let c = 0; c < count; c++) {
    if (spherical) {
      const base = normalize(z);
      const e = normalVector(rng, d);
      let s = 0;
      for (let i = 0; i < d; i++) s += e[i] * base[i];
      for (let i = 0; i < d; i++) e[i] -= s * base[i];
      const len = Math.hypot(...e) || 1;
      const angle = radius * Math.sqrt(rng.uniform());
      for (let i = 0; i < d; i++) {
        out[c * d + i] = Math.cos(angle) * base[i] + Math.sin(angle) * (e[i] / len);
      }
    } else {
      for (let i = 0; i < d; i++) out[c * d + i] = z[i] + radius * rng.normal();
    }
  }
  return out;
}

/** A random starting point from the prior: N(0, I), or uniform on the sphere. */
export function randomLatent(d: number, spherical: boolean, rng: Rng): Float64Array {
  return spherical ? uniformOnSphere(rng, d) : normalVector(rng, d);
}
