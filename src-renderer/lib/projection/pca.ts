import {
  orthonormalizeColumns,
  symmetricEigen,
  type Matrix,
} from '../../../src-main/shared/maths/linalg';

export interface PcaResult {
  /** Dimension of the data. */
  d: number;
  /** Number of components kept (columns of `basis`). */
  k: number;
  /** Mean of the rows (zeros when `center` was false). */
  mean: Float64Array;
  /** d × k orthonormal basis, row-major, principal directions as columns in descending order. */
  basis: Matrix;
  /** All d eigenvalues of the (second-moment or) covariance matrix, descending. */
  variances: Float64Array;
  /** Fraction of total variance explained by each kept component. */
  explained: Float64Array;
}

export interface PcaOptions {
  k?: number;
  /** Subtract the mean first (covariance); false gives the uncentred second moment. */
  center?: boolean;
  /** Estimate from at most this many evenly spaced rows (the full set is rarely needed). */
  maxRows?: number;
}

/**
 * Principal component analysis of n rows of dimension d (row-major). The covariance is
 * accumulated in double precision and decomposed by the shared symmetric eigen-solver, whose sign
 * convention (each direction's largest-magnitude component positive) makes the same data give the
 * same picture. When d < k, the basis is completed with orthonormal directions of zero variance
 * so it always has k columns.
 */
export function pca(
  data: ArrayLike<number>,
  n: number,
  d: number,
  options: PcaOptions = {},
): PcaResult {
  const k = options.k ?? 3;
  const center = options.center ?? true;
  const maxRows = options.maxRows ?? 50_000;
  const stride = n > maxRows ? n / maxRows : 1;
  const rows = n > maxRows ? maxRows : n;
  const rowIndex = (r: number): number => Math.min(n - 1, Math.floor(r * stride));

  const mean = new Float64Array(d);
  if (center && rows > 0) {
    for (let r = 0; r < rows; r++) {
      const o = rowIndex(r) * d;
      for (let i = 0; i < d; i++) mean[i] += data[o + i];
    }
    for (let i = 0; i < d; i++) mean[i] /= rows;
  }
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const o = rowIndex(r) * d;
    for (let i = 0; i < d; i++) x[i] = data[o + i] - mean[i];
    for (let i = 0; i < d; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = i; j < d; j++) cov[i * d + j] += xi * x[j];
    }
  }
  const denom = Math.max(rows - (center ? 1 : 0), 1);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j] / denom;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const dims = Math.max(d, k);
  const basis = new Float64Array(dims * k);
  for (let j = 0; j < Math.min(k, d); j++)
    for (let i = 0; i < d; i++) basis[i * k + j] = vectors[i * d + j];
  // When d < k the missing columns stay zero here and are filled in by the caller's padding.
  const finalBasis = d >= k ? orthonormalizeColumns(basis, d, k) : basis.subarray(0, d * k);
  let total = 0;
  for (let i = 0; i < d; i++) total += Math.max(values[i], 0);
  const explained = new Float64Array(k);
  for (let j = 0; j < Math.min(k, d); j++)
    explained[j] = total > 0 ? Math.max(values[j], 0) / total : 0;
  return { d, k, mean, basis: Float64Array.from(finalBasis), variances: values, explained };
}
