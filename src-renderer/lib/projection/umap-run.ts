import { UMAP } from 'umap-js';
import { createRng } from '../rng';

/** UMAP runs on at most this many points; the rest are placed by their nearest neighbours. */
export const UMAP_MAX = 4000;

export interface UmapOptions {
  nNeighbors?: number;
  minDist?: number;
  seed?: number;
  /** Optimisation epochs (umap-js picks 200–500 by size when left out). */
  epochs?: number;
}

/**
 * UMAP to 3D (McInnes et al. 2018, umap-js) of n rows of dimension d. Pure and synchronous: the
 * page calls it inside a Web Worker (umap.worker.ts) so the main thread stays smooth; progress
 * reports the epoch and, every few epochs, the embedding so far.
 */
export function runUmap(
  data: Float32Array,
  n: number,
  d: number,
  options: UmapOptions,
  onProgress: (epoch: number, epochs: number, embedding: Float32Array | null) => void = () => {},
): Float32Array {
  const rows: number[][] = [];
  for (let r = 0; r < n; r++) rows.push(Array.from(data.subarray(r * d, r * d + d)));
  const rng = createRng(options.seed ?? 1);
  const umap = new UMAP({
    nComponents: 3,
    nNeighbors: Math.max(2, Math.min(options.nNeighbors ?? 15, n - 1)),
    minDist: options.minDist ?? 0.1,
    nEpochs: options.epochs,
    random: rng.uniform,
  });
  const epochs = umap.initializeFit(rows);
  const every = Math.max(1, Math.floor(epochs / 10));
  for (let e = 0; e < epochs; e++) {
    umap.step();
    const report = (e + 1) % every === 0 && e + 1 < epochs;
    onProgress(e + 1, epochs, report ? flatten(umap.getEmbedding()) : null);
  }
  return normalizeEmbedding(flatten(umap.getEmbedding()));
}

function flatten(rows: number[][]): Float32Array {
  const out = new Float32Array(rows.length * 3);
  rows.forEach((r, i) => out.set([r[0] ?? 0, r[1] ?? 0, r[2] ?? 0], i * 3));
  return out;
}

/** Centres the embedding and scales it to unit RMS radius, comparable with the other views. */
export function normalizeEmbedding(e: Float32Array): Float32Array {
  const n = e.length / 3;
  if (n === 0) return e;
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) c[j] += e[i * 3 + j] / n;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) s += (e[i * 3 + j] - c[j]) ** 2;
  const scale = s > 0 ? 1 / Math.sqrt(s / n) : 1;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 3; j++) e[i * 3 + j] = (e[i * 3 + j] - c[j]) * scale;
  return e;
}

/**
 * Places the rows of `means` (n × d) past the first `sample`, which `embedding` (sample × 3)
 * embeds, next to their nearest sampled row in latent space, jittered slightly: UMAP of a
 * subset, extended to the whole cloud. Returns n × 3.
 */
export function extendEmbedding(
  set: { means: Float32Array; n: number; dim: number },
  embedding: Float32Array,
  sample: number,
  random: () => number = Math.random,
): Float32Array {
  const out = new Float32Array(set.n * 3);
  out.set(embedding);
  const d = set.dim;
  for (let r = sample; r < set.n; r++) {
    let best = 0;
    let bestD = Infinity;
    for (let s = 0; s < sample; s++) {
      let dd = 0;
      for (let i = 0; i < d; i++) {
        const v = set.means[r * d + i] - set.means[s * d + i];
        dd += v * v;
      }
      if (dd < bestD) {
        bestD = dd;
        best = s;
      }
    }
    for (let j = 0; j < 3; j++) out[r * 3 + j] = embedding[best * 3 + j] + (random() - 0.5) * 0.02;
  }
  return out;
}
