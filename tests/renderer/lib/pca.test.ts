import { describe, expect, it } from 'vitest';
import { isOrthonormal } from '../../../src-main/shared/maths/linalg';
import { pca } from '../../../src-renderer/lib/projection/pca';
import { createRng } from '../../../src-renderer/lib/rng';

/** n points with variances `scales²` along a random rotation of the axes, shifted by `shift`. */
function anisotropic(n: number, scales: number[], seed: number, shift = 0): Float32Array {
  const d = scales.length;
  const rng = createRng(seed);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++) out[r * d + i] = shift + scales[i] * rng.normal();
  return out;
}

describe('pca', () => {
  it('returns an orthonormal basis', () => {
    const d = 16;
    const data = anisotropic(
      3000,
      Array.from({ length: d }, (_, i) => 1 + i * 0.3),
      3,
    );
    const p = pca(data, 3000, d);
    expect(p.basis.length).toBe(d * 3);
    expect(isOrthonormal(p.basis, d, 3, 1e-9)).toBe(true);
  });

  it('finds the directions of largest variance, in order, and the mean', () => {
    const scales = [0.5, 5, 1, 3, 0.2];
    const data = anisotropic(20000, scales, 4, 2);
    const p = pca(data, 20000, scales.length);
    // Largest variance along axis 1, then 3, then 2.
    expect(Math.abs(p.basis[1 * 3 + 0])).toBeGreaterThan(0.99);
    expect(Math.abs(p.basis[3 * 3 + 1])).toBeGreaterThan(0.99);
    expect(Math.abs(p.basis[2 * 3 + 2])).toBeGreaterThan(0.98);
    expect(p.variances[0]).toBeCloseTo(25, 0);
    for (const m of p.mean) expect(m).toBeCloseTo(2, 1);
    expect(p.explained[0]).toBeGreaterThan(p.explained[1]);
  });

  it('handles d < 3 by padding with zero columns', () => {
    const data = anisotropic(100, [1, 2], 5);
    const p = pca(data, 100, 2);
    expect(p.basis.length).toBe(6);
    expect(p.basis[2]).toBe(0);
    expect(p.basis[5]).toBe(0);
  });
});
