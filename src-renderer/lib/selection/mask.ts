/**
 * Selections as masks: one byte per point of the cloud (1 selected). How a new shape or filter
 * combines with what is selected (plain: replace, shift: add, alt: subtract), and the masks'
 * conversions to point lists and back. Pure, typed arrays only.
 */

export type Combine = 'replace' | 'add' | 'subtract';

/** The combination a pointer or key event's modifiers ask for: shift adds, alt subtracts. */
export function combineOf(e: { shiftKey: boolean; altKey: boolean }): Combine {
  if (e.altKey) return 'subtract';
  if (e.shiftKey) return 'add';
  return 'replace';
}

/**
 * `current` combined with `next` (both of n points; `current` null or of another length counts
 * as nothing selected). Returns a new mask and its count; neither input is changed.
 */
export function combineMasks(
  current: Uint8Array | null,
  next: Uint8Array,
  how: Combine,
): { mask: Uint8Array; count: number } {
  const n = next.length;
  const base = current && current.length === n ? current : null;
  const mask = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const a = base ? base[i] : 0;
    const b = next[i];
    const v = how === 'replace' ? b : how === 'add' ? a | b : a & (b ^ 1);
    mask[i] = v;
    count += v;
  }
  return { mask, count };
}

/** The set points of a mask, ascending. */
export function maskIndices(mask: Uint8Array, count?: number): Int32Array {
  let k = count;
  if (k === undefined) {
    k = 0;
    for (let i = 0; i < mask.length; i++) k += mask[i];
  }
  const out = new Int32Array(k);
  let j = 0;
  for (let i = 0; i < mask.length && j < k; i++) if (mask[i]) out[j++] = i;
  return out;
}

/** A mask of n points with `points` set. */
export function indicesMask(points: ArrayLike<number>, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let k = 0; k < points.length; k++) {
    const p = points[k];
    if (p >= 0 && p < n) mask[p] = 1;
  }
  return mask;
}

/**
 * A mask over a subset of the points (entry i stands for point `points[i]`) spread over all n
 * points; and back: the subset's entries of a mask over all n.
 */
export function spreadMask(subsetMask: Uint8Array, points: Int32Array, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < points.length; i++) if (subsetMask[i]) mask[points[i]] = 1;
  return mask;
}

export function gatherMask(mask: Uint8Array, points: Int32Array): Uint8Array {
  const out = new Uint8Array(points.length);
  for (let i = 0; i < points.length; i++) out[i] = mask[points[i]];
  return out;
}

/** Rows `points` of a row-major matrix with `width` columns. */
export function gatherRows<T extends Float32Array | Int32Array>(
  data: T,
  width: number,
  points: ArrayLike<number>,
  make: new (length: number) => T,
): T {
  const out = new make(points.length * width);
  for (let k = 0; k < points.length; k++) {
    const p = points[k];
    out.set(data.subarray(p * width, (p + 1) * width), k * width);
  }
  return out;
}
