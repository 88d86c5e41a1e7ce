/**
 * Small dense linear algebra for the projection maths. Matrices are row-major Float64Arrays; a
 * "frame" is a d × k matrix whose columns are orthonormal basis vectors (frame[i * k + j] is
 * component i of basis vector j).
 */

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

export function det3(m: ArrayLike<number>): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

/**
 * Eigen-decomposition of a symmetric n × n matrix by cyclic Jacobi rotations: exact to rounding
 * and unconditionally stable, which is what small covariance matrices need. Eigenvalues come
 * sorted in descending order; `vectors` holds the matching eigenvectors as columns.
 */
export function symmetricEigen(
  input: ArrayLike<number>,
  n: number,
  maxSweeps = 64,
): { values: Float64Array; vectors: Matrix } {
  const a = Float64Array.from(input);
  const v = identity(n);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j] * a[i * n + j];
        total += x;
        if (i !== j) off += x;
      }
    }
    if (off <= 1e-30 * Math.max(total, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * Modified Gram–Schmidt on the k columns of a d × k matrix, in place. A column that is (nearly)
 * dependent on the earlier ones is replaced by the first standard basis vector that is not, so
 * the result is always a full orthonormal frame (requires k ≤ d).
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

/**
 * Singular value decomposition of a 3 × 3 matrix, M = U·diag(s)·Vᵀ, with s descending and U, V
 * orthogonal. V comes from the eigenvectors of MᵀM; U's columns are M·v/σ, completed to an
 * orthonormal basis where σ vanishes.
 */
export function svd3(m: ArrayLike<number>): { u: Matrix; s: Float64Array; v: Matrix } {
  const mtm = matTmul(Float64Array.from(m), Float64Array.from(m), 3, 3, 3);
  const { values, vectors: v } = symmetricEigen(mtm, 3);
  const s = new Float64Array(3);
  const u = new Float64Array(9);
  const mv = matmul(Float64Array.from(m), v, 3, 3, 3);
  const scale = Math.sqrt(Math.max(values[0], 0));
  let full = 0;
  for (let j = 0; j < 3; j++) {
    s[j] = Math.sqrt(Math.max(values[j], 0));
    if (s[j] > 1e-12 * Math.max(scale, 1e-300) && s[j] > 1e-150) {
      for (let i = 0; i < 3; i++) u[i * 3 + j] = mv[i * 3 + j] / s[j];
      full++;
    }
  }
  if (full < 3) {
    // Columns past `full` are free: complete them to an orthonormal basis.
    for (let j = full; j < 3; j++) for (let i = 0; i < 3; i++) u[i * 3 + j] = 0;
    orthonormalizeColumns(u, 3, 3);
  } else {
    // Re-orthonormalise against rounding.
    orthonormalizeColumns(u, 3, 3);
  }
  return { u, s, v };
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
