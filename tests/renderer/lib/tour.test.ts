import { describe, expect, it } from 'vitest';
import { isOrthonormal, matTmul, svd3 } from '../../../src-main/shared/maths/linalg';
import { createRng } from '../../../src-renderer/lib/rng';
import { GrandTour, geodesic, randomFrame } from '../../../src-renderer/lib/projection/tour';

/** Largest principal angle between the planes of two frames. */
function planeDistance(a: Float64Array, b: Float64Array, d: number): number {
  const { s } = svd3(matTmul(a, b, d, 3, 3));
  return Math.acos(Math.min(1, s[2]));
}

describe('grand tour', () => {
  it('geodesic starts at A exactly, ends in the plane of B, and stays orthonormal', () => {
    const d = 12;
    const rng = createRng(31);
    const a = randomFrame(d, rng);
    const b = randomFrame(d, rng);
    const g = geodesic(a, b, d);
    const f0 = g.frameAt(0);
    for (let i = 0; i < a.length; i++) expect(f0[i]).toBeCloseTo(a[i], 9);
    expect(planeDistance(g.frameAt(1), b, d)).toBeLessThan(1e-6);
    for (const t of [0.1, 0.37, 0.5, 0.9])
      expect(isOrthonormal(g.frameAt(t), d, 3, 1e-9)).toBe(true);
  });

  it('moves at constant speed along the geodesic', () => {
    const d = 8;
    const rng = createRng(32);
    const a = randomFrame(d, rng);
    const g = geodesic(a, randomFrame(d, rng), d);
    const half = planeDistance(a, g.frameAt(0.5), d);
    expect(half).toBeCloseTo(g.maxAngle / 2, 4);
  });

  it('advances smoothly: small steps give small frame changes', () => {
    const d = 16;
    const tour = new GrandTour(d, createRng(33));
    let prev = Float64Array.from(tour.frame);
    for (let i = 0; i < 200; i++) {
      const f = tour.advance(1 / 60);
      expect(isOrthonormal(f, d, 3, 1e-8)).toBe(true);
      let diff = 0;
      for (let k = 0; k < f.length; k++) diff = Math.max(diff, Math.abs(f[k] - prev[k]));
      expect(diff).toBeLessThan(0.05);
      prev = Float64Array.from(f);
    }
  });
});
