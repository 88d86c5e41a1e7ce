import { describe, expect, it } from 'vitest';
import { isOrthonormal } from '../../../src-main/shared/maths/linalg';
import {
  axesView,
  hypersphereView,
  pcaView,
  project,
  projectAll,
  rotateView,
  unproject,
} from '../../../src-renderer/lib/projection/projection';
import { createRng, normalVector, uniformOnSphere } from '../../../src-renderer/lib/rng';
import { randomFrame } from '../../../src-renderer/lib/projection/tour';
import { sphereView, linearView } from '../../../src-renderer/lib/projection/projection';

function gaussianCloud(n: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, (_, i) => rng.normal() * (1 + (i % d)));
}

function sphereCloud(n: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) out.set(uniformOnSphere(rng, d), r * d);
  return out;
}

describe('hypersphere projection', () => {
  it('lands every point on the unit sphere S²', () => {
    for (const d of [3, 5, 16, 64]) {
      const n = 500;
      const data = sphereCloud(n, d, d);
      const view = hypersphereView(data, n, d);
      expect(isOrthonormal(view.frame, d, 3, 1e-9)).toBe(true);
      const y = projectAll(view, data, n);
      for (let r = 0; r < n; r++) {
        expect(Math.hypot(y[r * 3], y[r * 3 + 1], y[r * 3 + 2])).toBeCloseTo(1, 5);
      }
    }
  });

  it('sends Gaussian latents to their directions, and a zero vector to a pole', () => {
    const d = 8;
    const view = sphereView(d, randomFrame(d, createRng(7)), 2.5);
    const x = normalVector(createRng(8), d);
    const y = project(view, x);
    expect(Math.hypot(...y)).toBeCloseTo(1, 12);
    expect(Math.hypot(...project(view, new Float64Array(d)))).toBeCloseTo(1, 12);
  });

  it('lifts a point of S² back to the sphere and round-trips: project(lift(p)) = p', () => {
    const d = 10;
    const rng = createRng(9);
    const view = sphereView(d, randomFrame(d, rng), 1);
    for (let trial = 0; trial < 50; trial++) {
      const p = uniformOnSphere(rng, 3);
      const x = unproject(view, p);
      let len = 0;
      for (const v of x) len += v * v;
      expect(Math.sqrt(len)).toBeCloseTo(1, 12);
      const back = project(view, x);
      for (let j = 0; j < 3; j++) expect(back[j]).toBeCloseTo(p[j], 10);
    }
  });

  it('lifts to the typical radius for Gaussian latents', () => {
    const d = 16;
    const data = gaussianCloud(2000, d, 10);
    const view = hypersphereView(data, 2000, d);
    expect(view.liftRadius).toBeGreaterThan(3);
    const x = unproject(view, [0, 0, 1]);
    expect(Math.hypot(...x)).toBeCloseTo(view.liftRadius, 9);
  });
});

describe('linear projections', () => {
  it('PCA inverse round-trips: project(unproject(y)) = y, and mean + basis·y spans the plane', () => {
    const d = 16;
    const n = 2000;
    const data = gaussianCloud(n, d, 11);
    const view = pcaView(data, n, d);
    const rng = createRng(12);
    for (let trial = 0; trial < 50; trial++) {
      const y = [rng.normal() * 3, rng.normal() * 3, rng.normal() * 3];
      const x = unproject(view, y);
      const back = project(view, x);
      for (let j = 0; j < 3; j++) expect(back[j]).toBeCloseTo(y[j], 9);
    }
    // A latent in the plane through the mean is recovered exactly.
    const inPlane = unproject(view, [1, -2, 0.5]);
    const again = unproject(view, project(view, inPlane));
    for (let i = 0; i < d; i++) expect(again[i]).toBeCloseTo(inPlane[i], 9);
  });

  it('the first three dimensions are shown as they are; the inverse fills the rest', () => {
    const d = 6;
    const fill = [9, 9, 9, 4, 5, 6];
    const view = axesView(d, fill);
    const y = project(view, [1, 2, 3, 7, 7, 7]);
    expect(Array.from(y)).toEqual([1, 2, 3]);
    expect(Array.from(unproject(view, [1, 2, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('works for d = 2 (third coordinate 0)', () => {
    const view = axesView(2);
    expect(Array.from(project(view, [3, 4]))).toEqual([3, 4, 0]);
    expect(Array.from(unproject(view, [3, 4, 9]))).toEqual([3, 4]);
  });

  it('projectAll agrees with project, and rotating the frame keeps the round trip', () => {
    const d = 7;
    const rng = createRng(13);
    const view = linearView(d, randomFrame(d, rng), normalVector(rng, d));
    const data = gaussianCloud(20, d, 14);
    const all = projectAll(view, data, 20);
    for (let r = 0; r < 20; r++) {
      const one = project(view, data.subarray(r * d, r * d + d));
      for (let j = 0; j < 3; j++) expect(all[r * 3 + j]).toBeCloseTo(one[j], 4);
    }
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const rotated = rotateView(view, [c, -s, 0, s, c, 0, 0, 0, 1], [1, 2, 3]);
    expect(isOrthonormal(rotated.frame, d, 3)).toBe(true);
    const y = [0.2, -1, 4];
    const back = project(rotated, unproject(rotated, y));
    for (let j = 0; j < 3; j++) expect(back[j]).toBeCloseTo(y[j], 9);
  });
});
