import { createRng } from '../rng';
import { normalizeEmbedding } from './umap-run';

/**
 * t-SNE runs on at most this many points; the rest are placed at their nearest sampled
 * neighbour (extendEmbedding), as UMAP's are. The npm t-SNE libraries that run in a plain Web
 * Worker (no SharedArrayBuffer) are exact and slow (tsnejs's successor @keckelt/tsne: 1,000 points
 * × 500 iterations in 33 s in Node), so this is a compact exact t-SNE on typed arrays instead,
 * O(n²) per iteration: 2,000 points × 500 iterations in about 12 s on a loaded CPU.
 */
export const TSNE_MAX = 2000;

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  seed?: number;
  learningRate?: number;
}

const EXAGGERATION = 12;
const EXAGGERATION_ITERS = 100;

/** Joint probabilities P (n × n, symmetric, summing to 1) at the given perplexity. */
function jointProbabilities(data: Float32Array, n: number, d: number, perplexity: number) {
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const v = data[i * d + k] - data[j * d + k];
        s += v * v;
      }
      dist[i * n + j] = s;
      dist[j * n + i] = s;
    }
  }
  const target = Math.log(Math.min(perplexity, Math.max(1, (n - 1) / 3)));
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    const row = i * n;
    for (let step = 0; step < 50; step++) {
      let sum = 0;
      let dot = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const e = Math.exp(-dist[row + j] * beta);
        p[row + j] = e;
        sum += e;
        dot += e * dist[row + j];
      }
      if (sum === 0) sum = 1e-300;
      // Entropy H = log(sum) + beta · E[d²].
      const h = Math.log(sum) + (beta * dot) / sum;
      for (let j = 0; j < n; j++) if (j !== i) p[row + j] /= sum;
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
    p[row + i] = 0;
  }
  const norm = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = Math.max((p[i * n + j] + p[j * n + i]) * norm, 1e-12);
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
  }
  return p;
}

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) to 3D of n rows of dimension d: early exaggeration,
 * momentum and per-coordinate gains as in the reference implementation. Pure and synchronous;
 * the page runs it inside a Web Worker (tsne.worker.ts). Progress reports the iteration and, every
 * tenth of the run, the embedding so far. Returns n × 3, centred, unit RMS radius.
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
  const p = jointProbabilities(data, n, d, options.perplexity ?? 30);
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
    const momentum = it < 250 ? 0.5 : 0.8;
    // Z = Σ_{i≠j} (1 + |y_i − y_j|²)⁻¹.
    let z = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = y[i * 3];
      const yi1 = y[i * 3 + 1];
      const yi2 = y[i * 3 + 2];
      for (let j = i + 1; j < n; j++) {
        const a = yi0 - y[j * 3];
        const b = yi1 - y[j * 3 + 1];
        const c = yi2 - y[j * 3 + 2];
        z += 2 / (1 + a * a + b * b + c * c);
      }
    }
    grad.fill(0);
    const invZ = 1 / z;
    for (let i = 0; i < n; i++) {
      const yi0 = y[i * 3];
      const yi1 = y[i * 3 + 1];
      const yi2 = y[i * 3 + 2];
      const row = i * n;
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      for (let j = i + 1; j < n; j++) {
        const a = yi0 - y[j * 3];
        const b = yi1 - y[j * 3 + 1];
        const c = yi2 - y[j * 3 + 2];
        const q = 1 / (1 + a * a + b * b + c * c);
        const m = 4 * (exaggeration * p[row + j] - q * invZ) * q;
        g0 += m * a;
        g1 += m * b;
        g2 += m * c;
        grad[j * 3] -= m * a;
        grad[j * 3 + 1] -= m * b;
        grad[j * 3 + 2] -= m * c;
      }
      grad[i * 3] += g0;
      grad[i * 3 + 1] += g1;
      grad[i * 3 + 2] += g2;
    }
    const mean = [0, 0, 0];
    for (let k = 0; k < n * 3; k++) {
      const g = grad[k];
      const v = velocity[k];
      gains[k] = Math.max(0.01, Math.sign(g) === Math.sign(v) ? gains[k] * 0.8 : gains[k] + 0.2);
      velocity[k] = momentum * v - eta * gains[k] * g;
      y[k] += velocity[k];
      mean[k % 3] += y[k] / n;
    }
    for (let k = 0; k < n * 3; k++) y[k] -= mean[k % 3];
    const report = (it + 1) % every === 0 && it + 1 < iterations;
    onProgress(it + 1, iterations, report ? Float32Array.from(y) : null);
  }
  return normalizeEmbedding(Float32Array.from(y));
}
