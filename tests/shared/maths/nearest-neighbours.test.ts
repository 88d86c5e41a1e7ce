import { describe, expect, it } from 'vitest';
import { nearestNeighbors } from '../../../src-main/shared/maths/nearest-neighbours';
import { mulberry32 } from '../../../src-main/shared/random';

describe('nearest neighbours', () => {
  it('returns the k closest rows in order, excluding the query row', () => {
    const data = Float32Array.from([0, 0, 1, 0, 5, 5, 0.5, 0, 2, 0]);
    const { indices, distances } = nearestNeighbors(data, 5, 2, [0, 0], 3, 0);
    expect(indices).toEqual([3, 1, 4]);
    expect(distances[0]).toBeCloseTo(0.5);
  });
  it('equals a sort of all the distances', () => {
    const rng = mulberry32(4);
    const n = 500;
    const d = 5;
    const data = Float32Array.from({ length: n * d }, () => rng());
    const query = [0.5, 0.5, 0.5, 0.5, 0.5];
    const all = Array.from({ length: n }, (_, r) => ({
      r,
      distance: Math.hypot(...Array.from({ length: d }, (_, i) => data[r * d + i] - query[i])),
    })).sort((a, b) => a.distance - b.distance);
    const { indices, distances } = nearestNeighbors(data, n, d, query, 10);
    expect(indices).toEqual(all.slice(0, 10).map((x) => x.r));
    distances.forEach((v, i) => expect(v).toBeCloseTo(all[i].distance, 12));
    expect(nearestNeighbors(data, 3, d, query, 10).indices).toHaveLength(3);
  });
});
