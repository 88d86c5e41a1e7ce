import { describe, expect, it } from 'vitest';
import { kMeans } from '../../../src-main/shared/maths/kmeans';
import { mulberry32, normal } from '../../../src-main/shared/random';

/** n points per blob around the given centres, with standard deviation `spread`. */
function blobs(centres: number[][], n: number, spread: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  const d = centres[0].length;
  const data = new Float64Array(centres.length * n * d);
  centres.forEach((centre, b) => {
    for (let i = 0; i < n; i++)
      for (let t = 0; t < d; t++) data[(b * n + i) * d + t] = centre[t] + spread * normal(rng);
  });
  return data;
}

describe('k-means', () => {
  it('finds well-separated clusters', () => {
    const data = blobs([[-5, 0], [5, 0]], 100, 0.1, 2); // prettier-ignore
    const { centers, sizes } = kMeans(data, 200, 2, 2, mulberry32(2));
    expect(sizes).toEqual([100, 100]);
    expect(Math.abs(centers[0]) + Math.abs(centers[2])).toBeCloseTo(10, 0);
  });

  it('converges to a fixed point of Lloyd: each centre is the mean of its rows', () => {
    const d = 3;
    const data = blobs([[0, 0, 0], [4, 0, 0], [0, 4, 0], [0, 0, 4]], 50, 1, 5); // prettier-ignore
    const n = data.length / d;
    const { centers, sizes, assignment } = kMeans(data, n, d, 4, mulberry32(5));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    for (let c = 0; c < 4; c++) {
      const mean = [0, 0, 0];
      for (let i = 0; i < n; i++)
        if (assignment[i] === c) for (let t = 0; t < d; t++) mean[t] += data[i * d + t] / sizes[c];
      for (let t = 0; t < d; t++) expect(centers[c * d + t]).toBeCloseTo(mean[t], 12);
    }
  });

  it('is reproducible from its generator; with fewer distinct rows than k, one cluster each', () => {
    const data = blobs([[0, 0], [3, 3]], 40, 1, 9); // prettier-ignore
    const a = kMeans(data, 80, 2, 3, mulberry32(11));
    const b = kMeans(data, 80, 2, 3, mulberry32(11));
    expect(Array.from(b.assignment)).toEqual(Array.from(a.assignment));
    expect(Array.from(b.centers)).toEqual(Array.from(a.centers));
    // Three distinct rows, five clusters asked: three come back, one per distinct row.
    const repeated = Float64Array.from([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
    const few = kMeans(repeated, 6, 2, 5, mulberry32(1));
    expect(few.sizes).toEqual([2, 2, 2]);
    expect(few.centers.length).toBe(6);
    expect(kMeans(new Float64Array(0), 0, 2, 3, mulberry32(1)).sizes).toEqual([]);
  });

  it('fits on evenly spaced rows and assigns every row to its nearest centre', () => {
    const d = 2;
    const data = blobs([[-6, 0], [6, 0], [0, 8]], 1000, 0.5, 3); // prettier-ignore
    const n = data.length / d;
    const { centers, sizes, assignment } = kMeans(data, n, d, 3, mulberry32(3), { maxRows: 90 });
    expect(assignment.length).toBe(n);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    for (let i = 0; i < n; i++) {
      const distance = (c: number) =>
        (data[i * d] - centers[c * d]) ** 2 + (data[i * d + 1] - centers[c * d + 1]) ** 2;
      for (let c = 0; c < 3; c++) expect(distance(assignment[i])).toBeLessThanOrEqual(distance(c));
      // Each blob is one cluster.
      expect(assignment[i]).toBe(assignment[Math.floor(i / 1000) * 1000]);
    }
    expect(sizes.slice().sort()).toEqual([1000, 1000, 1000]);
  });
});
