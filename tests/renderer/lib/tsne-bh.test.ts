import { describe, expect, it } from 'vitest';
import {
  allNearestNeighbours,
  conditionalProbabilities,
  sparseJointProbabilities,
  symmetrise,
  type SparseRows,
} from '../../../src-renderer/lib/projection/tsne-affinities';
import { BarnesHutGradient } from '../../../src-renderer/lib/projection/tsne-bh';
import { exactGradient } from '../../../src-renderer/lib/projection/tsne-exact';
import { runTsne } from '../../../src-renderer/lib/projection/tsne-run';
import { createRng } from '../../../src-renderer/lib/rng';

/** `clusters` Gaussian clusters (unit variance) of `per` points in d dimensions, 10 apart. */
function gaussianClusters(clusters: number, per: number, d: number, seed = 3): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(clusters * per * d);
  for (let i = 0; i < clusters * per; i++)
    for (let j = 0; j < d; j++) x[i * d + j] = (j === i % clusters ? 10 : 0) + rng.normal();
  return x;
}

function dense(p: SparseRows, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let t = p.rowPtr[i]; t < p.rowPtr[i + 1]; t++) out[i * n + p.cols[t]] = p.vals[t];
  return out;
}

function randomEmbedding(n: number, scale: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const y = new Float64Array(n * 3);
  for (let i = 0; i < y.length; i++) y[i] = rng.normal() * scale;
  return y;
}

describe('Barnes–Hut t-SNE', () => {
  const n = 300;
  const d = 8;
  const data = gaussianClusters(5, n / 5, d);
  const p = sparseJointProbabilities(data, n, d, 20);

  it('finds the exact k nearest neighbours, nearest first', () => {
    const k = 15;
    const { indices, distances } = allNearestNeighbours(data, n, d, k);
    for (let i = 0; i < n; i++) {
      const all: [number, number][] = [];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let s = 0;
        for (let t = 0; t < d; t++) s += (data[i * d + t] - data[j * d + t]) ** 2;
        all.push([s, j]);
      }
      all.sort((a, b) => a[0] - b[0]);
      for (let m = 0; m < k; m++) {
        expect(distances[i * k + m]).toBeCloseTo(all[m][0], 4);
        expect(indices[i * k + m]).toBe(all[m][1]);
      }
    }
  });

  it('calibrates every row to the perplexity and symmetrises P', () => {
    const perplexity = 20;
    const k = 3 * perplexity;
    const { indices, distances } = allNearestNeighbours(data, n, d, k);
    const cond = conditionalProbabilities(distances, n, k, perplexity);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let entropy = 0;
      for (let m = 0; m < k; m++) {
        const v = cond[i * k + m];
        sum += v;
        if (v > 0) entropy -= v * Math.log(v);
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
      expect(Math.abs(entropy - Math.log(perplexity))).toBeLessThan(1e-5);
    }
    const sym = symmetrise(indices, cond, n, k);
    const full = dense(sym, n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      expect(full[i * n + i]).toBe(0);
      for (let j = 0; j < n; j++) {
        total += full[i * n + j];
        expect(full[i * n + j]).toBeCloseTo(full[j * n + i], 15);
      }
      // Columns sorted and distinct.
      for (let t = sym.rowPtr[i] + 1; t < sym.rowPtr[i + 1]; t++)
        expect(sym.cols[t]).toBeGreaterThan(sym.cols[t - 1]);
    }
    expect(total).toBeCloseTo(1, 12);
  });

  it('with θ = 0 gives the exact gradient', () => {
    const full = dense(p, n);
    for (const [scale, exaggeration] of [
      [1e-4, 12],
      [5, 1],
      [30, 1],
    ]) {
      const y = randomEmbedding(n, scale, 5);
      const exact = new Float64Array(n * 3);
      const bh = new Float64Array(n * 3);
      exactGradient(y, full, n, exaggeration, exact);
      new BarnesHutGradient(n, 0).gradient(y, p, exaggeration, bh);
      let max = 0;
      let diff = 0;
      for (let k = 0; k < n * 3; k++) {
        max = Math.max(max, Math.abs(exact[k]));
        diff = Math.max(diff, Math.abs(exact[k] - bh[k]));
      }
      expect(max).toBeGreaterThan(0);
      expect(diff / max).toBeLessThan(1e-10);
    }
  });

  it('handles coincident points (cells that cannot split, a tree past its first allocation)', () => {
    // Two points 9 times each and 6 scattered: the copies split down to the depth limit, more
    // cells (~110) than the tree first allocates (64).
    const m = 24;
    const y = randomEmbedding(m, 1, 9);
    for (let i = 0; i < 18; i++) y.set(i < 9 ? [0.25, 0.25, 0.25] : [-0.5, 0.1, 0.3], i * 3);
    const rows = new Int32Array(m + 1);
    const cols = new Int32Array(m * (m - 1));
    const vals = new Float64Array(m * (m - 1)).fill(1 / (m * (m - 1)));
    for (let i = 0, t = 0; i < m; i++) {
      for (let j = 0; j < m; j++) if (j !== i) cols[t++] = j;
      rows[i + 1] = rows[i] + m - 1;
    }
    const sparse = { rowPtr: rows, cols, vals };
    const exact = new Float64Array(m * 3);
    const bh = new Float64Array(m * 3);
    exactGradient(y, dense(sparse, m), m, 1, exact);
    new BarnesHutGradient(m, 0).gradient(y, sparse, 1, bh);
    for (let k = 0; k < m * 3; k++) expect(bh[k]).toBeCloseTo(exact[k], 12);
    new BarnesHutGradient(m, 0.5).gradient(y, sparse, 1, bh);
    expect(bh.every(Number.isFinite)).toBe(true);
  });

  it('with θ = 0.5 stays within 2% (relative L2) of the exact gradient', () => {
    const full = dense(p, n);
    const y = randomEmbedding(n, 5, 6);
    const exact = new Float64Array(n * 3);
    const bh = new Float64Array(n * 3);
    exactGradient(y, full, n, 1, exact);
    new BarnesHutGradient(n, 0.5).gradient(y, p, 1, bh);
    let e = 0;
    let m = 0;
    for (let k = 0; k < n * 3; k++) {
      e += (exact[k] - bh[k]) ** 2;
      m += exact[k] ** 2;
    }
    // Measured 0.8% here.
    expect(Math.sqrt(e / m)).toBeLessThan(0.02);
  });

  it('keeps well-separated clusters apart in 3D (10 × 300 points in 16-d)', () => {
    const clusters = 10;
    const big = clusters * 300;
    const x = gaussianClusters(clusters, 300, 16, 11);
    const e = runTsne(x, big, 16, { seed: 1, method: 'barnes-hut' });
    expect(e.every(Number.isFinite)).toBe(true);
    // Of each point's 10 nearest neighbours in the embedding, the share in its own cluster.
    let same = 0;
    const dist = new Float64Array(big);
    for (let i = 0; i < big; i++) {
      for (let j = 0; j < big; j++)
        dist[j] =
          j === i
            ? Infinity
            : (e[i * 3] - e[j * 3]) ** 2 +
              (e[i * 3 + 1] - e[j * 3 + 1]) ** 2 +
              (e[i * 3 + 2] - e[j * 3 + 2]) ** 2;
      const order = Array.from(dist.keys()).sort((a, b) => dist[a] - dist[b]);
      for (let m = 0; m < 10; m++) if (order[m] % clusters === i % clusters) same++;
    }
    expect(same / (big * 10)).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('is deterministic for a seed', () => {
    const options = { seed: 4, iterations: 150, method: 'barnes-hut' } as const;
    const a = runTsne(data, n, d, options);
    const b = runTsne(data, n, d, options);
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = runTsne(data, n, d, { ...options, seed: 5 });
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});
