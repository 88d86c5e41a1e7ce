import { describe, expect, it } from 'vitest';
import {
  cholesky,
  det3,
  isOrthonormal,
  matmul,
  orthonormalizeColumns,
  svd,
  svd3,
  symmetricEigen,
  transpose,
} from '../../../src-main/shared/maths/linalg';
import { mulberry32, normal } from '../../../src-main/shared/random';

const gaussian = (seed: number, length: number) => {
  const rng = mulberry32(seed);
  return Float64Array.from({ length }, () => normal(rng));
};

/** V·diag(λ)·Vᵀ for n × n V. */
function reassemble(values: Float64Array, vectors: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++)
        out[i * n + j] += vectors[i * n + k] * values[k] * vectors[j * n + k];
  return out;
}

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A·v = λ·v, values descending', () => {
    const n = 6;
    const b = gaussian(1, n * n);
    const a = matmul(b, transpose(b, n, n), n, n, n);
    const { values, vectors } = symmetricEigen(a, n);
    expect(isOrthonormal(vectors, n, n, 1e-10)).toBe(true);
    for (let j = 0; j < n; j++) {
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + j];
        expect(av).toBeCloseTo(values[j] * vectors[i * n + j], 9);
      }
    }
    const back = reassemble(values, vectors, n);
    for (let i = 0; i < n * n; i++) expect(back[i]).toBeCloseTo(a[i], 10);
  });

  it('gives the known spectrum of a tridiagonal matrix: 3 + √3, 3, 3 − √3', () => {
    const a = [4, 1, 0, 1, 3, 1, 0, 1, 2];
    const { values, vectors } = symmetricEigen(a, 3);
    expect(Array.from(values)).toEqual([
      expect.closeTo(3 + Math.sqrt(3), 13),
      expect.closeTo(3, 13),
      expect.closeTo(3 - Math.sqrt(3), 13),
    ]);
    // The eigenvector of λ = 3 is ±(1, −1, −1)/√3 (the sign is a tie, so either may come out).
    const r = 1 / Math.sqrt(3);
    expect([vectors[1], vectors[4], vectors[7]].map((x) => x * Math.sign(vectors[1]))).toEqual([
      expect.closeTo(r, 13),
      expect.closeTo(-r, 13),
      expect.closeTo(-r, 13),
    ]);
    const back = reassemble(values, vectors, 3);
    for (let i = 0; i < 9; i++) expect(back[i]).toBeCloseTo(a[i], 13);
  });

  it('signs each vector so that its largest-magnitude component is positive', () => {
    const { values, vectors } = symmetricEigen([1, 0, 0, 2], 2);
    expect(Array.from(values)).toEqual([2, 1]);
    expect(Array.from(vectors)).toEqual([0, 1, 1, 0]);
    const b = gaussian(3, 16);
    const a = matmul(b, transpose(b, 4, 4), 4, 4, 4);
    const { vectors: v } = symmetricEigen(a, 4);
    for (let j = 0; j < 4; j++) {
      const column = [0, 1, 2, 3].map((i) => v[i * 4 + j]);
      const big = column.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
      expect(big).toBeGreaterThan(0);
    }
  });

  it('returns an orthonormal basis for a repeated eigenvalue', () => {
    const { values, vectors } = symmetricEigen([2, 0, 0, 0, 2, 0, 0, 0, 2], 3);
    expect(Array.from(values)).toEqual([2, 2, 2]);
    expect(isOrthonormal(vectors, 3, 3, 1e-14)).toBe(true);
  });
});

describe('svd', () => {
  it('svd3 reconstructs M = U·diag(s)·Vᵀ with orthogonal factors', () => {
    for (let trial = 0; trial < 20; trial++) {
      const m = gaussian(100 + trial, 9);
      const { u, s, v } = svd3(m);
      expect(isOrthonormal(u, 3, 3, 1e-9)).toBe(true);
      expect(isOrthonormal(v, 3, 3, 1e-9)).toBe(true);
      expect(s[0]).toBeGreaterThanOrEqual(s[1]);
      expect(s[1]).toBeGreaterThanOrEqual(s[2]);
      expect(s[2]).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let x = 0;
          for (let k = 0; k < 3; k++) x += u[i * 3 + k] * s[k] * v[j * 3 + k];
          expect(x).toBeCloseTo(m[i * 3 + j], 8);
        }
      }
    }
  });

  it('completes U for rank-deficient matrices', () => {
    const m = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const { u, s } = svd3(m);
    expect(s[0]).toBeCloseTo(1);
    expect(s[1]).toBeCloseTo(0);
    expect(isOrthonormal(u, 3, 3)).toBe(true);
    const zero = svd3(new Float64Array(9));
    expect(Array.from(zero.s)).toEqual([0, 0, 0]);
    expect(isOrthonormal(zero.u, 3, 3)).toBe(true);
    expect(isOrthonormal(zero.v, 3, 3)).toBe(true);
  });

  it('gives the known singular values of [[3, 0], [4, 5]]: 3√5 and √5', () => {
    const { s } = svd([3, 0, 4, 5], 2, 2);
    expect(s[0]).toBeCloseTo(3 * Math.sqrt(5), 13);
    expect(s[1]).toBeCloseTo(Math.sqrt(5), 13);
  });

  it('is thin for tall and wide matrices: U is m × k, V is n × k', () => {
    for (const [m, n] of [
      [5, 2],
      [2, 5],
    ]) {
      const a = gaussian(m * 10 + n, m * n);
      const k = Math.min(m, n);
      const { u, s, v } = svd(a, m, n);
      expect([u.length, s.length, v.length]).toEqual([m * k, k, n * k]);
      expect(isOrthonormal(u, m, k, 1e-12)).toBe(true);
      expect(isOrthonormal(v, n, k, 1e-12)).toBe(true);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let x = 0;
          for (let p = 0; p < k; p++) x += u[i * k + p] * s[p] * v[j * k + p];
          expect(x).toBeCloseTo(a[i * n + j], 12);
        }
    }
  });
});

describe('cholesky', () => {
  it('factors [[4, 2], [2, 3]] as [[2, 0], [1, √2]], reading only the lower triangle', () => {
    const { factor } = cholesky([4, 999, 2, 3], 2);
    expect(Array.from(factor!)).toEqual([2, 0, 1, expect.closeTo(Math.SQRT2, 15)]);
  });

  it('reassembles L·Lᵀ = A for a random covariance', () => {
    const d = 12;
    const b = gaussian(5, d * d);
    const a = matmul(b, transpose(b, d, d), d, d, d);
    const { factor } = cholesky(a, d);
    const back = matmul(factor!, transpose(factor!, d, d), d, d, d);
    for (let i = 0; i < d * d; i++) expect(back[i]).toBeCloseTo(a[i], 10);
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) expect(factor![i * d + j]).toBe(0);
  });

  it('names the first pivot that is not positive enough', () => {
    expect(cholesky([1, 2, 2, 1], 2)).toEqual({ pivot: 1, value: 0 });
    // Rank one plus 1e-14: the second squared pivot is ~1e-14, below a tolerance of 1e-12.
    const nearly = cholesky([1, 1, 1, 1 + 1e-14], 2, 1e-12);
    expect(nearly.pivot).toBe(1);
    expect(nearly.value).toBeGreaterThan(0);
    expect(nearly.value).toBeLessThan(1e-12);
    expect(cholesky([1, 0, 0, 0, NaN, 0, 0, 0, 1], 3)).toEqual({ pivot: 1, value: NaN });
  });
});

describe('orthonormalizeColumns', () => {
  it('replaces dependent columns so the frame stays full', () => {
    const m = Float64Array.from([1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // 4 × 3, columns 1 ∥ 2, col 3 = 0
    orthonormalizeColumns(m, 4, 3);
    expect(isOrthonormal(m, 4, 3)).toBe(true);
  });

  it('det3 of the identity is 1', () => {
    expect(det3([1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(1);
  });
});
