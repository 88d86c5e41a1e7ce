import { createRng } from '../rng';
import { sparseJointProbabilities } from './tsne-affinities';
import { BarnesHutGradient } from './tsne-bh';
import { exactGradient, exactJointProbabilities } from './tsne-exact';
import { normalizeEmbedding } from './umap-run';

/**
 * t-SNE runs on at most this many points; the rest are placed at their nearest sampled
 * neighbour (extendEmbedding), as UMAP's are. The npm t-SNE libraries that run in a plain Web
 * Worker (no SharedArrayBuffer) are exact and slow (tsnejs's successor @keckelt/tsne: 1,000 points
 * × 500 iterations in 33 s in Node; @saehrimnir/druidjs 0.9.0, also exact and LGPL: 2,000 × 16 ×
 * 500 iterations in 20.9 s), so this is a compact t-SNE on typed arrays instead: exact for small n
 * (tsne-exact.ts, O(n²) per iteration), Barnes–Hut above TSNE_EXACT_MAX (tsne-bh.ts,
 * tsne-affinities.ts, O(n log n) per iteration), as TensorFlow's Embedding Projector does on its
 * 10,000 sampled points. bench/projections.ts measures both.
 */
export const TSNE_MAX = 10000;

/**
 * Up to this many points the exact gradient is used: it is exact, and as fast there (500 × 16 ×
 * 500 iterations: exact 0.6 s, Barnes–Hut 0.5 s; 250: 0.18 s and 0.23 s; 1,000: 2.6 s and 1.3 s;
 * 2,000: 9.3 s and 3.1 s, on this loaded 2-core machine).
 */
export const TSNE_EXACT_MAX = 500;

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  seed?: number;
  learningRate?: number;
  /** 'auto' (the default): exact up to TSNE_EXACT_MAX points, Barnes–Hut above. */
  method?: 'auto' | 'exact' | 'barnes-hut';
  /** The Barnes–Hut accuracy θ (default 0.5; 0 is exact). */
  theta?: number;
}

// The optimiser's schedule (the exact path's, kept for both): early exaggeration α = 12 for the
// first 100 iterations, momentum 0.5 for the first 250 then 0.8, per-coordinate gains (+0.2 on
// a sign change, ×0.8 otherwise, at least 0.01), learning rate max(50, n / 12). The Barnes–Hut
// paper's experiments (JMLR 2014) exaggerate for 250 iterations, learning rate 200, 1,000 in all.
const EXAGGERATION = 12;
const EXAGGERATION_ITERS = 100;
const MOMENTUM_SWITCH = 250;

/**
 * t-SNE (van der Maaten & Hinton 2008; Barnes–Hut: van der Maaten 2014) to 3D of n rows of
 * dimension d: early exaggeration, momentum and per-coordinate gains as in the reference
 * implementation. Pure and synchronous; the page runs it inside a Web Worker (tsne.worker.ts).
 * Progress reports the iteration and, every tenth of the run, the embedding so far. Returns
 * n × 3, centred, unit RMS radius.
 */
export function runTsne(
  data: Float32Array,
  n: number,
  d: number,
  options: TsneOptions,
  onProgress: (
    iteration: number,
    iterations: number,
    embedding: Float32Array | null,
  ) => void = () => {},
): Float32Array {
  const iterations = options.iterations ?? 500;
  if (n < 2) return new Float32Array(n * 3);
  const perplexity = options.perplexity ?? 30;
  const method = options.method ?? 'auto';
  const exact = method === 'exact' || (method === 'auto' && n <= TSNE_EXACT_MAX);
  let gradient: (y: Float64Array, exaggeration: number, grad: Float64Array) => void;
  if (exact) {
    const p = exactJointProbabilities(data, n, d, perplexity);
    gradient = (y, exaggeration, grad) => exactGradient(y, p, n, exaggeration, grad);
  } else {
    const p = sparseJointProbabilities(data, n, d, perplexity);
    const bh = new BarnesHutGradient(n, options.theta ?? 0.5);
    gradient = (y, exaggeration, grad) => bh.gradient(y, p, exaggeration, grad);
  }
  const rng = createRng(options.seed ?? 1);
  const y = new Float64Array(n * 3);
  for (let i = 0; i < y.length; i++) y[i] = rng.normal() * 1e-4;
  const gains = new Float64Array(n * 3).fill(1);
  const velocity = new Float64Array(n * 3);
  const grad = new Float64Array(n * 3);
  const eta = options.learningRate ?? Math.max(50, n / EXAGGERATION);
  const every = Math.max(1, Math.floor(iterations / 10));
  for (let it = 0; it < iterations; it++) {
    const exaggeration = it < EXAGGERATION_ITERS ? EXAGGERATION : 1;
    const momentum = it < MOMENTUM_SWITCH ? 0.5 : 0.8;
    gradient(y, exaggeration, grad);
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let k = 0; k < n * 3; k++) {
      const g = grad[k];
      const v = velocity[k];
      gains[k] = Math.max(0.01, Math.sign(g) === Math.sign(v) ? gains[k] * 0.8 : gains[k] + 0.2);
      velocity[k] = momentum * v - eta * gains[k] * g;
      y[k] += velocity[k];
    }
    for (let i = 0; i < n; i++) {
      m0 += y[i * 3] / n;
      m1 += y[i * 3 + 1] / n;
      m2 += y[i * 3 + 2] / n;
    }
    for (let i = 0; i < n; i++) {
      y[i * 3] -= m0;
      y[i * 3 + 1] -= m1;
      y[i * 3 + 2] -= m2;
    }
    const report = (it + 1) % every === 0 && it + 1 < iterations;
    onProgress(it + 1, iterations, report ? Float32Array.from(y) : null);
  }
  return normalizeEmbedding(Float32Array.from(y));
}
