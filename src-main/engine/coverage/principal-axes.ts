// The two leading principal axes of a covariance matrix, for the 2-D hole map: orthogonal
// (subspace) iteration with Gram–Schmidt, a fixed start and a fixed number of sweeps, so the map
// is deterministic.

/** Two orthonormal vectors spanning (approximately) the top-2 eigenspace of the d×d matrix C. */
export function leadingAxes(
  covariance: Float64Array,
  d: number,
  sweeps = 200,
): [Float64Array, Float64Array] {
  let u = new Float64Array(d);
  let v = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    u[k] = 1 + k / d;
    v[k] = k % 2 === 0 ? 1 : -1;
  }
  const multiply = (x: Float64Array) => {
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += covariance[i * d + k] * x[k];
      y[i] = s;
    }
    return y;
  };
  const orthonormalize = () => {
    normalize(u);
    let dot = 0;
    for (let k = 0; k < d; k++) dot += u[k] * v[k];
    for (let k = 0; k < d; k++) v[k] -= dot * u[k];
    if (!normalize(v)) {
      v = new Float64Array(d);
      v[d > 1 && Math.abs(u[0]) > 0.9 ? 1 : 0] = 1;
      orthonormalizeSecond(u, v);
    }
  };
  orthonormalize();
  for (let s = 0; s < sweeps; s++) {
    u = multiply(u);
    v = multiply(v);
    orthonormalize();
  }
  return [u, v];
}

function normalize(x: Float64Array): boolean {
  let s = 0;
  for (const v of x) s += v * v;
  const r = Math.sqrt(s);
  if (!(r > 1e-300)) return false;
  for (let k = 0; k < x.length; k++) x[k] /= r;
  return true;
}

function orthonormalizeSecond(u: Float64Array, v: Float64Array): void {
  let dot = 0;
  for (let k = 0; k < u.length; k++) dot += u[k] * v[k];
  for (let k = 0; k < u.length; k++) v[k] -= dot * u[k];
  normalize(v);
}
