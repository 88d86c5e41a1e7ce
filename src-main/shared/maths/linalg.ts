/**
 * Dense linear algebra on small row-major Float64Arrays, for the page's projections (PCA, grand
 * tour, Procrustes) and the engine's Gaussian mixture and coverage report. A "frame" is a d × k
 * matrix whose columns are orthonormal basis vectors (frame[i * k + j] is component i of basis
 * vector j).
 *
 * The decompositions are ml-matrix's ports of JAMA: Householder tridiagonalisation and the QL
 * algorithm for symmetric eigenproblems (tred2/tql2), Golub–Kahan–Reinsch for the SVD, and the
 * Cholesky–Banachiewicz factorisation. The wrappers here only convert to and from the flat layout
 * and fix the conventions callers rely on (order, signs, the failing pivot). Nothing here should
 * sit inside an O(n²) loop over points: callers reduce to a d × d matrix first.
 */
import {
  CholeskyDecomposition,
  EigenvalueDecomposition,
  Matrix as DenseMatrix,
  SingularValueDecomposition,
  pseudoInverse as densePseudoInverse,
} from 'ml-matrix';

export type Matrix = Float64Array;

export function identity(n: number): Matrix {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** C = A·B for A (m × k) and B (k × n). */
export function matmul(a: Matrix, b: Matrix, m: number, k: number, n: number): Matrix {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  }
  return c;
}

/** Aᵀ for A (m × n). */
export function transpose(a: Matrix, m: number, n: number): Matrix {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** AᵀB for A (m × k) and B (m × n): k × n. */
export function matTmul(a: Matrix, b: Matrix, m: number, k: number, n: number): Matrix {
  const c = new Float64Array(k * n);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < k; i++) {
      const ari = a[r * k + i];
      if (ari === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += ari * b[r * n + j];
    }
  }
  return c;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** The determinant of a 3 × 3 matrix by cofactors (the closed form; no decomposition needed). */
export function det3(m: ArrayLike<number>): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

function toDense(a: ArrayLike<number>, rows: number, columns: number): DenseMatrix {
  const m = new DenseMatrix(rows, columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) m.set(i, j, a[i * columns + j]);
  return m;
}

/** The first `k` columns of a dense matrix, flat row-major. */
function columns(m: DenseMatrix, k: number): Matrix {
  const out = new Float64Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = m.get(i, j);
  return out;
}

/**
 * Eigen-decomposition A = V·diag(values)·Vᵀ of a symmetric n × n matrix (its symmetric part
 * (A + Aᵀ)/2 is used, so rounding-level asymmetry is harmless). Values come in descending order;
 * `vectors` holds the matching orthonormal eigenvectors as columns, each signed so that its
 * largest-magnitude component is positive (the first such on a tie), so the same matrix always
 * gives the same vectors.
 */
export function symmetricEigen(
  input: ArrayLike<number>,
  n: number,
): { values: Float64Array; vectors: Matrix } {
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const a = new DenseMatrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) a.set(i, j, (input[i * n + j] + input[j * n + i]) / 2);
  const evd = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const ascending = evd.realEigenvalues;
  const v = evd.eigenvectorMatrix;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => ascending[j] - ascending[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    values[target] = ascending[source];
    let big = 0;
    for (let i = 1; i < n; i++)
      if (Math.abs(v.get(i, source)) > Math.abs(v.get(big, source))) big = i;
    const sign = v.get(big, source) < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[i * n + target] = sign * v.get(i, source);
  });
  return { values, vectors };
}

/**
 * Thin singular value decomposition A = U·diag(s)·Vᵀ of an m × n matrix, k = min(m, n): U is
 * m × k and V is n × k, both with orthonormal columns (completed to orthonormal where A is rank
 * deficient), s descending and non-negative.
 */
export function svd(
  a: ArrayLike<number>,
  m: number,
  n: number,
): { u: Matrix; s: Float64Array; v: Matrix } {
  const k = Math.min(m, n);
  const result = new SingularValueDecomposition(toDense(a, m, n), { autoTranspose: true });
  return {
    u: columns(result.leftSingularVectors, k),
    s: Float64Array.from(result.diagonal.slice(0, k)),
    v: columns(result.rightSingularVectors, k),
  };
}

/**
 * The Moore–Penrose pseudo-inverse (n × m) of an m × n matrix, by ml-matrix's SVD: singular values
 * below its threshold (machine epsilon × the largest × max(m, n)) count as zero.
 */
export function pseudoInverse(a: ArrayLike<number>, m: number, n: number): Matrix {
  return Float64Array.from(densePseudoInverse(toDense(a, m, n)).to1DArray());
}

/** The SVD of a 3 × 3 matrix: U and V orthogonal 3 × 3, s descending. */
export function svd3(m: ArrayLike<number>): { u: Matrix; s: Float64Array; v: Matrix } {
  return svd(m, 3, 3);
}

export type Cholesky =
  | { factor: Float64Array; pivot?: undefined; value?: undefined }
  | { factor?: undefined; pivot: number; value: number };

/**
 * The lower Cholesky factor L (L Lᵀ = A) of a symmetric d × d matrix A, row-major (only its lower
 * triangle is read), or, where A is not positive definite enough, the first pivot j whose squared
 * value L_jj² is not above `minPivot` and that value (ml-matrix clamps a negative squared pivot to
 * 0, so it is reported as 0; a non-finite entry is reported as NaN at its row).
 */
export function cholesky(a: ArrayLike<number>, d: number, minPivot = 0): Cholesky {
  const dense = new DenseMatrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const value = a[i * d + j];
      // ml-matrix checks symmetry by equality first, which a NaN never passes.
      if (!Number.isFinite(value)) return { pivot: i, value: NaN };
      dense.set(i, j, value);
      dense.set(j, i, value);
    }
  }
  const lower = new CholeskyDecomposition(dense).lowerTriangularMatrix;
  // Row j of L depends only on rows < j, so the first failing pivot is where it would have
  // stopped; rows after it are not read.
  for (let j = 0; j < d; j++) {
    const pivot = lower.get(j, j) ** 2;
    if (!(pivot > minPivot)) return { pivot: j, value: pivot };
  }
  const factor = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) factor[i * d + j] = lower.get(i, j);
  return { factor };
}

/**
 * Modified Gram–Schmidt on the k columns of a d × k matrix, in place. A column that is (nearly)
 * dependent on the earlier ones is replaced by the first standard basis vector that is not, so
 * the result is always a full orthonormal frame (requires k ≤ d). Hand-written rather than
 * ml-matrix's QR: callers need each column to keep its direction (Householder QR may flip signs)
 * and dependent columns replaced, which QR does not do.
 */
export function orthonormalizeColumns(m: Matrix, d: number, k: number): Matrix {
  for (let j = 0; j < k; j++) {
    let attempt = -1;
    for (;;) {
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < j; p++) {
          let s = 0;
          for (let i = 0; i < d; i++) s += m[i * k + p] * m[i * k + j];
          for (let i = 0; i < d; i++) m[i * k + j] -= s * m[i * k + p];
        }
      }
      let s = 0;
      for (let i = 0; i < d; i++) s += m[i * k + j] * m[i * k + j];
      if (s > 1e-20) {
        const inv = 1 / Math.sqrt(s);
        for (let i = 0; i < d; i++) m[i * k + j] *= inv;
        break;
      }
      attempt++;
      if (attempt >= d) throw new Error('orthonormalizeColumns: k must not exceed d');
      for (let i = 0; i < d; i++) m[i * k + j] = i === attempt ? 1 : 0;
    }
  }
  return m;
}

/** Whether the columns of a d × k matrix are orthonormal to within `tol`. */
export function isOrthonormal(m: Matrix, d: number, k: number, tol = 1e-9): boolean {
  const g = matTmul(m, m, d, k, k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (Math.abs(g[i * k + j] - (i === j ? 1 : 0)) > tol) return false;
    }
  }
  return true;
}
