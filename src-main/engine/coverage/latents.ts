// The latent matrix the report works on: finite rows only, float64, row-major, with the
// padded float64 blocks the Gram kernels read.
import type { KernelContext } from './kernels/gram-kernels';

/** n finite rows of d float64 coordinates, row-major. */
export interface Latents {
  data: Float64Array;
  n: number;
  d: number;
}

/** Rows of z with a NaN or ±Infinity are dropped (and counted); the rest copied to float64. */
export function finiteRows(
  z: Float32Array | Float64Array,
  n: number,
  d: number,
): { latents: Latents; dropped: number } {
  // One pass: copy each row, and keep it (advance) only if all its coordinates are finite.
  const data = new Float64Array(n * d);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const source = i * d;
    const target = kept * d;
    let finite = true;
    for (let k = 0; k < d; k++) {
      const value = z[source + k];
      data[target + k] = value;
      if (value - value !== 0) finite = false; // NaN or ±Infinity
    }
    if (finite) kept++;
  }
  return { latents: { data: data.subarray(0, kept * d), n: kept, d }, dropped: n - kept };
}

/** ‖x_i‖² for each row. */
export function squaredNorms(x: Latents): Float64Array {
  const { data, n, d } = x;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += data[i * d + k] ** 2;
    out[i] = s;
  }
  return out;
}

/** The rows `indices` of x. */
export function selectRows(x: Latents, indices: Int32Array): Latents {
  const { d } = x;
  const data = new Float64Array(indices.length * d);
  for (let r = 0; r < indices.length; r++) {
    data.set(x.data.subarray(indices[r] * d, indices[r] * d + d), r * d);
  }
  return { data, n: indices.length, d };
}

/** d rounded up to a multiple of `m`. */
export function roundUp(d: number, m: number): number {
  return Math.ceil(d / m) * m;
}

/**
 * Copies rows [from, from + count) of x into the workspace as rows of `stride` doubles (zero
 * padded), each minus `shift` if given. Returns the byte address.
 */
export function copyRows(
  context: KernelContext,
  x: Latents,
  from: number,
  count: number,
  stride: number,
  shift?: Float64Array,
  rows = count,
): number {
  const address = context.workspace.alloc(rows * stride);
  const memory = context.workspace.f64;
  const base = address / 8;
  const { d } = x;
  for (let r = 0; r < count; r++) {
    const source = (from + r) * d;
    const target = base + r * stride;
    if (shift) for (let k = 0; k < d; k++) memory[target + k] = x.data[source + k] - shift[k];
    else for (let k = 0; k < d; k++) memory[target + k] = x.data[source + k];
  }
  return address;
}
