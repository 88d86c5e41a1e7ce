/**
 * The k nearest rows to a query by Euclidean distance (brute force: one query over ≤ 70,000
 * latents of small dimension is a few milliseconds), skipping row `exclude`. Returns indices
 * sorted by distance, and the distances. (The coverage report's batched distances to the nearest
 * neighbour, many queries at once, run on the engine's WebAssembly Gram kernels instead:
 * engine/coverage/nearest-neighbour.ts.)
 */
export function nearestNeighbors(
  data: ArrayLike<number>,
  n: number,
  d: number,
  query: ArrayLike<number>,
  k: number,
  exclude = -1,
): { indices: number[]; distances: number[] } {
  const idx: number[] = [];
  const dist: number[] = [];
  for (let r = 0; r < n; r++) {
    if (r === exclude) continue;
    let s = 0;
    const o = r * d;
    for (let i = 0; i < d; i++) {
      const v = data[o + i] - query[i];
      s += v * v;
    }
    if (idx.length < k || s < dist[dist.length - 1]) {
      let p = idx.length < k ? idx.length : k - 1;
      if (idx.length < k) {
        idx.push(r);
        dist.push(s);
      }
      while (p > 0 && dist[p - 1] > s) {
        idx[p] = idx[p - 1];
        dist[p] = dist[p - 1];
        p--;
      }
      idx[p] = r;
      dist[p] = s;
    }
  }
  return { indices: idx, distances: dist.map(Math.sqrt) };
}
