/**
 * Local density of displayed points, estimated on a 3D grid in O(n): count points per voxel,
 * smooth with a 3 × 3 × 3 box, read back each point's voxel. Returned as log(1 + density) so the
 * colour scale is not swamped by the densest cluster.
 */
export function gridDensity(
  positions: ArrayLike<number>,
  n: number,
  resolution = 48,
): Float32Array {
  const out = new Float32Array(n);
  if (n === 0) return out;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) {
      const v = positions[i * 3 + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  const r = resolution;
  const scale = [0, 1, 2].map((j) => (hi[j] > lo[j] ? (r - 1e-6) / (hi[j] - lo[j]) : 0));
  const cell = new Int32Array(n);
  const counts = new Float32Array(r * r * r);
  for (let i = 0; i < n; i++) {
    const x = Math.floor((positions[i * 3] - lo[0]) * scale[0]);
    const y = Math.floor((positions[i * 3 + 1] - lo[1]) * scale[1]);
    const z = Math.floor((positions[i * 3 + 2] - lo[2]) * scale[2]);
    const c = (x * r + y) * r + z;
    cell[i] = c;
    counts[c] += 1;
  }
  // Separable box blur along each axis.
  let a = counts;
  for (let axis = 0; axis < 3; axis++) {
    const b = new Float32Array(a.length);
    const stride = axis === 0 ? r * r : axis === 1 ? r : 1;
    for (let c = 0; c < a.length; c++) {
      const coord = Math.floor(c / stride) % r;
      let s = a[c];
      if (coord > 0) s += a[c - stride];
      if (coord < r - 1) s += a[c + stride];
      b[c] = s;
    }
    a = b;
  }
  for (let i = 0; i < n; i++) out[i] = Math.log1p(a[cell[i]]);
  return out;
}
