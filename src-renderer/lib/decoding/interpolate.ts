/** Linear interpolation (1 − t)a + tb. */
export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i] + t * b[i];
  return out;
}

/**
 * Spherical linear interpolation along the great circle (Shoemake 1985): for unit vectors the
 * result stays on the sphere; for others the direction is slerped and the length interpolated
 * linearly. Falls back to lerp when a and b are (anti)parallel to within rounding.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float64Array {
  let na = 0;
  let nb = 0;
  let ab = 0;
  for (let i = 0; i < a.length; i++) {
    na += a[i] * a[i];
    nb += b[i] * b[i];
    ab += a[i] * b[i];
  }
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  if (na < 1e-12 || nb < 1e-12) return lerp(a, b, t);
  const cos = Math.min(1, Math.max(-1, ab / (na * nb)));
  const omega = Math.acos(cos);
  const sin = Math.sin(omega);
  if (sin < 1e-9) return lerp(a, b, t);
  const wa = Math.sin((1 - t) * omega) / sin / na;
  const wb = Math.sin(t * omega) / sin / nb;
  const len = (1 - t) * na + t * nb;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (wa * a[i] + wb * b[i]) * len;
  return out;
}

/** `steps` evenly spaced points from a to b inclusive, flattened row-major. */
export function interpolationPath(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  steps: number,
  mode: 'linear' | 'spherical',
): Float32Array {
  const d = a.length;
  const out = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    out.set(mode === 'spherical' ? slerp(a, b, t) : lerp(a, b, t), s * d);
  }
  return out;
}
