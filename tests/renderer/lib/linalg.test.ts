import { describe, expect, it } from 'vitest';
import {
  det3,
  isOrthonormal,
  matmul,
  orthonormalizeColumns,
  svd3,
  symmetricEigen,
  transpose,
} from '../../../src-renderer/lib/linalg';
import { createRng } from '../../../src-renderer/lib/rng';

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A·v = λ·v, values descending', () => {
    const rng = createRng(1);
    const n = 6;
    const b = Float64Array.from({ length: n * n }, () => rng.normal());
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
  });
});

describe('svd3', () => {
  it('reconstructs M = U·diag(s)·Vᵀ with orthogonal factors', () => {
    const rng = createRng(2);
    for (let trial = 0; trial < 20; trial++) {
      const m = Float64Array.from({ length: 9 }, () => rng.normal());
      const { u, s, v } = svd3(m);
      expect(isOrthonormal(u, 3, 3, 1e-9)).toBe(true);
      expect(isOrthonormal(v, 3, 3, 1e-9)).toBe(true);
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
