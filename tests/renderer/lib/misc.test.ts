import { describe, expect, it } from 'vitest';
import {
  colorsFromLabels,
  colorsFromValues,
  robustRange,
  viridis,
} from '../../../src-renderer/lib/colors';
import { gridDensity } from '../../../src-renderer/lib/projection/density';
import { composeGrid, toRgba } from '../../../src-renderer/lib/images';
import { interpolationPath, lerp, slerp } from '../../../src-renderer/lib/decoding/interpolate';
import { LatestOnly, quantile } from '../../../src-renderer/lib/decoding/latest';
import { createRng, uniformOnSphere } from '../../../src-renderer/lib/rng';
import { formatDuration, formatNumber, formatP } from '../../../src-renderer/lib/format';

describe('colours', () => {
  it('labels map to palette colours, negatives to grey', () => {
    const c = colorsFromLabels([0, 1, -1], 3);
    expect(Array.from(c.subarray(0, 3))).toEqual([0x4e, 0x79, 0xa7]);
    expect(Array.from(c.subarray(6))).toEqual([110, 116, 128]);
  });
  it('values map through viridis over a robust range', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => i);
    const [lo, hi] = robustRange(values, 1000);
    expect(lo).toBeGreaterThan(10);
    expect(hi).toBeLessThan(990);
    const c = colorsFromValues(values, 1000);
    expect(Array.from(c.subarray(0, 3))).toEqual(viridis(0));
    expect(Array.from(c.subarray(999 * 3))).toEqual(viridis(1));
  });
});

describe('density', () => {
  it('is higher inside a cluster than for an outlier', () => {
    const rng = createRng(1);
    const n = 2001;
    const p = new Float32Array(n * 3);
    for (let i = 0; i < n - 1; i++) for (let j = 0; j < 3; j++) p[i * 3 + j] = rng.normal() * 0.1;
    p.set([5, 5, 5], (n - 1) * 3);
    const dens = gridDensity(p, n);
    expect(dens[0]).toBeGreaterThan(dens[n - 1]);
  });
});

describe('images', () => {
  it('grey images become opaque RGBA', () => {
    const rgba = toRgba([0, 1], { height: 1, width: 2, channels: 1 });
    expect(Array.from(rgba)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });
  it('grids place each image with padding', () => {
    const { rgba, layout } = composeGrid(
      new Float32Array([1, 1, 1, 1, 0, 0, 0, 0]),
      2,
      { height: 2, width: 2, channels: 1 },
      2,
      1,
    );
    expect(layout.width).toBe(7);
    expect(layout.height).toBe(4);
    expect(rgba[(1 * 7 + 1) * 4]).toBe(255); // first image's top-left pixel
    expect(rgba[(1 * 7 + 4) * 4]).toBe(0); // second image's
  });
});

describe('interpolation', () => {
  it('slerp stays on the sphere between unit vectors', () => {
    const rng = createRng(2);
    const a = uniformOnSphere(rng, 8);
    const b = uniformOnSphere(rng, 8);
    for (const t of [0, 0.25, 0.5, 1]) expect(Math.hypot(...slerp(a, b, t))).toBeCloseTo(1, 12);
    const mid = lerp(a, b, 0.5);
    expect(Math.hypot(...mid)).toBeLessThan(1);
    const path = interpolationPath(a, b, 5, 'spherical');
    expect(path.length).toBe(40);
    for (let i = 0; i < 8; i++) expect(path[32 + i]).toBeCloseTo(b[i], 6);
  });
});

describe('LatestOnly', () => {
  it('runs the first and the last request only while busy', async () => {
    const seen: number[] = [];
    let release: () => void = () => {};
    const runner = new LatestOnly<number, number>(
      (v) => new Promise((resolve) => (release = () => resolve(v))),
      (r) => seen.push(r),
    );
    runner.request(1);
    runner.request(2);
    runner.request(3);
    release();
    await new Promise((r) => setTimeout(r, 0));
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([1, 3]);
    expect(runner.latencies.length).toBe(2);
    expect(quantile([1, 2, 3, 4, 100], 0.95)).toBe(100);
  });
});

describe('format', () => {
  it('formats numbers, p-values and durations', () => {
    expect(formatNumber(0.000012)).toBe('1.20e-5');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatP(0.00001)).toBe('p < 0.0001');
    expect(formatP(0.3)).toBe('p = 0.30');
    expect(formatDuration(75)).toBe('1 min 15 s');
  });
});
