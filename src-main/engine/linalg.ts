/** Dense linear algebra on small row-major float64 matrices, shared by the GMM and the coverage report. */

export type Cholesky =
  | { factor: Float64Array; pivot?: undefined; value?: undefined }
  | { factor?: undefined; pivot: number; value: number };

/**
 * The lower Cholesky factor L (L Lᵀ = A) of a symmetric d × d matrix A, row-major (only its lower
 * triangle is read), or, where A is not positive definite enough, the first pivot j whose squared
 * value L_jj² is not above `minPivot` (NaN included) and that value.
 */
export function cholesky(a: ArrayLike<number>, d: number, minPivot = 0): Cholesky {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let p = 0; p < j; p++) s -= l[i * d + p] * l[j * d + p];
      if (i === j) {
        if (!(s > minPivot)) return { pivot: i, value: s };
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return { factor: l };
}
