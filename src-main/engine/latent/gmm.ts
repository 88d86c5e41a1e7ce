import { kMeans } from '../../shared/maths/kmeans';
import { cholesky } from '../../shared/maths/linalg';
import { mixSeed, mulberry32, normal, permutation } from '../../shared/random';

/**
 * A Gaussian mixture fitted to latent codes by EM (Dempster, Laird & Rubin 1977), float64, for
 * sampling a model whose own prior is not what it was trained against: the regularised
 * autoencoder (RAE, Ghosh et al. 2019, §4: "ex-post density estimation" with a 10-component GMM).
 * Initialised by k-means++ (Arthur & Vassilvitskii 2007) and a few Lloyd steps; seeded throughout.
 * The fitted object is plain JSON so a checkpoint manifest can hold it.
 */
export interface Gmm {
  kind: 'gmm';
  dim: number;
  covariance: 'full' | 'diag';
  /** Mixing weights π_k, summing to 1. */
  weights: number[];
  /** Component means, k × d. */
  means: number[][];
  /** Full: each component's d × d covariance, row-major (length d²). Diag: the d variances. */
  covariances: number[][];
  /** Mean log-likelihood per point of the data it was fitted on, at the last EM step. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

export interface GmmOptions {
  /** Default: full covariance for d ≤ 32 (as in the RAE paper), diagonal above (EM costs O(nkd²)). */
  covariance?: 'full' | 'diag';
  maxIterations?: number;
  /** Stop when the mean log-likelihood per point improves by less than this (default 1e-5). */
  tolerance?: number;
  /** Added to every variance, relative to the data's mean variance (default 1e-6). */
  regularization?: number;
  /** Fit on a seeded random subset of at most this many points (default 20,000). */
  maxPoints?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Fits a k-component GMM to n points z (row-major, n × d). */
export function fitGmm(
  z: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  seed: number,
  options: GmmOptions = {},
): Gmm {
  if (z.length !== n * d)
    throw new Error(`fitGmm: expected ${n}×${d} = ${n * d} values, got ${z.length}`);
  if (!(k >= 1) || !Number.isInteger(k))
    throw new Error(`fitGmm: k must be a positive integer, got ${k}`);
  if (n < k) throw new Error(`fitGmm: cannot fit ${k} components to ${n} points`);
  const covariance = options.covariance ?? (d <= 32 ? 'full' : 'diag');
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-5;
  const rng = mulberry32(mixSeed(seed, 0x6a3));

  // A seeded subset keeps EM's O(nkd²) cost bounded on large code sets.
  const maxPoints = options.maxPoints ?? 20_000;
  const rows = n > maxPoints ? permutation(n, rng).subarray(0, maxPoints) : null;
  const m = rows ? rows.length : n;
  const x = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const src = rows ? rows[i] : i;
    for (let j = 0; j < d; j++) x[i * d + j] = z[src * d + j];
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new Error('fitGmm: the codes contain a non-finite value');
  }
  const reg = (options.regularization ?? 1e-6) * Math.max(meanVariance(x, m, d), 1e-12);

  // Initial responsibilities: hard k-means assignments after a few Lloyd steps.
  const labels = kMeans(x, m, d, k, rng, { iterations: 20 }).assignment;
  const resp = new Float64Array(m * k);
  for (let i = 0; i < m; i++) resp[i * k + labels[i]] = 1;

  let params = mStep(x, resp, m, d, k, covariance, reg);
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations;) {
    logLikelihood = eStep(x, m, d, params, resp);
    iterations++;
    if (Math.abs(logLikelihood - previous) < tolerance) {
      converged = true;
      break;
    }
    previous = logLikelihood;
    params = mStep(x, resp, m, d, k, covariance, reg);
  }
  return {
    kind: 'gmm',
    dim: d,
    covariance,
    weights: Array.from(params.weights),
    means: params.means.map((v) => Array.from(v)),
    covariances: params.covariances.map((v) => Array.from(v)),
    logLikelihood,
    iterations,
    converged,
  };
}

/** n draws from a fitted mixture, row-major n × d, float32; seeded. */
export function sampleGmm(gmm: Gmm, n: number, seed: number): Float32Array {
  const d = gmm.dim;
  const rng = mulberry32(mixSeed(seed, 0x5a9));
  const factors = gmm.covariances.map((c) =>
    gmm.covariance === 'full' ? covarianceFactor(c, d) : null,
  );
  const cumulative = cumulativeWeights(gmm.weights);
  const out = new Float32Array(n * d);
  const e = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const u = rng();
    let c = cumulative.findIndex((w) => u < w);
    if (c < 0) c = cumulative.length - 1;
    for (let j = 0; j < d; j++) e[j] = normal(rng);
    const mean = gmm.means[c];
    const factor = factors[c];
    for (let j = 0; j < d; j++) {
      let v = mean[j];
      if (factor) {
        for (let l = 0; l <= j; l++) v += factor[j * d + l] * e[l];
      } else {
        v += Math.sqrt(gmm.covariances[c][j]) * e[j];
      }
      out[i * d + j] = v;
    }
  }
  return out;
}

/**
 * A fitted mixture as the model's prior sampler (`Vae.fittedPrior`): `sample` draws latent codes,
 * `toJSON` gives the plain object a checkpoint manifest stores; `GmmPrior.fromJSON` reads it back.
 */
export class GmmPrior {
  constructor(readonly gmm: Gmm) {}

  static fromJSON(value: unknown): GmmPrior {
    const g = value as Partial<Gmm> | null;
    const ok =
      g?.kind === 'gmm' &&
      Number.isInteger(g.dim) &&
      (g.covariance === 'full' || g.covariance === 'diag') &&
      Array.isArray(g.weights) &&
      Array.isArray(g.means) &&
      Array.isArray(g.covariances) &&
      g.means.length === g.weights.length &&
      g.covariances.length === g.weights.length &&
      g.means.every((m) => m.length === g.dim) &&
      g.covariances.every((c) => c.length === (g.covariance === 'full' ? g.dim! * g.dim! : g.dim));
    if (!ok) throw new Error('the fitted prior is not a valid Gaussian mixture');
    return new GmmPrior(g as Gmm);
  }

  sample(n: number, seed: number): Float32Array {
    return sampleGmm(this.gmm, n, seed);
  }

  toJSON(): Gmm {
    return this.gmm;
  }
}

/** log p(z) under the mixture for n points (row-major n × d). */
export function gmmLogDensity(gmm: Gmm, z: ArrayLike<number>, n: number): Float64Array {
  const d = gmm.dim;
  const x = Float64Array.from(z as ArrayLike<number>);
  const params = toParams(gmm);
  const resp = new Float64Array(n * gmm.weights.length);
  const out = new Float64Array(n);
  logJoint(x, n, d, params, resp, out);
  return out;
}

/** Hard assignments: the most responsible component per point. */
export function gmmAssign(gmm: Gmm, z: ArrayLike<number>, n: number): Int32Array {
  const k = gmm.weights.length;
  const resp = new Float64Array(n * k);
  logJoint(
    Float64Array.from(z as ArrayLike<number>),
    n,
    gmm.dim,
    toParams(gmm),
    resp,
    new Float64Array(n),
  );
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (resp[i * k + c] > resp[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Params {
  covariance: 'full' | 'diag';
  weights: Float64Array;
  means: Float64Array[];
  covariances: Float64Array[];
  /** Full: lower Cholesky factor of each covariance; diag: the variances. */
  factors: Float64Array[];
  logDets: Float64Array;
}

function toParams(gmm: Gmm): Params {
  const d = gmm.dim;
  const covariances = gmm.covariances.map((c) => Float64Array.from(c));
  const factors = covariances.map((c) => (gmm.covariance === 'full' ? covarianceFactor(c, d) : c));
  return {
    covariance: gmm.covariance,
    weights: Float64Array.from(gmm.weights),
    means: gmm.means.map((v) => Float64Array.from(v)),
    covariances,
    factors,
    logDets: Float64Array.from(factors, (f) => logDet(f, d, gmm.covariance)),
  };
}

function meanVariance(x: Float64Array, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + j];
      s += v;
      s2 += v * v;
    }
    total += s2 / n - (s / n) ** 2;
  }
  return total / d;
}

function mStep(
  x: Float64Array,
  resp: Float64Array,
  n: number,
  d: number,
  k: number,
  covariance: 'full' | 'diag',
  reg: number,
): Params {
  const weights = new Float64Array(k);
  const means: Float64Array[] = [];
  const covariances: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    let nk = 0;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c];
      nk += r;
      for (let j = 0; j < d; j++) mean[j] += r * x[i * d + j];
    }
    // A component that lost all its points gets weight 0 and is ignored from then on.
    const safe = Math.max(nk, 1e-12);
    for (let j = 0; j < d; j++) mean[j] /= safe;
    const cov = new Float64Array(covariance === 'full' ? d * d : d);
    const diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - mean[j];
      if (covariance === 'full') {
        for (let a = 0; a < d; a++) {
          const ra = r * diff[a];
          for (let b = 0; b <= a; b++) cov[a * d + b] += ra * diff[b];
        }
      } else {
        for (let j = 0; j < d; j++) cov[j] += r * diff[j] * diff[j];
      }
    }
    if (covariance === 'full') {
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const v = cov[a * d + b] / safe + (a === b ? reg : 0);
          cov[a * d + b] = v;
          cov[b * d + a] = v;
        }
      }
    } else {
      for (let j = 0; j < d; j++) cov[j] = cov[j] / safe + reg;
    }
    weights[c] = nk / n;
    means.push(mean);
    covariances.push(cov);
  }
  const factors = covariances.map((c) => (covariance === 'full' ? covarianceFactor(c, d) : c));
  return {
    covariance,
    weights,
    means,
    covariances,
    factors,
    logDets: Float64Array.from(factors, (f) => logDet(f, d, covariance)),
  };
}

/** Fills resp with posterior responsibilities; returns the mean log-likelihood per point. */
function eStep(x: Float64Array, n: number, d: number, params: Params, resp: Float64Array): number {
  const logp = new Float64Array(n);
  logJoint(x, n, d, params, resp, logp);
  let total = 0;
  for (let i = 0; i < n; i++) total += logp[i];
  return total / n;
}

/** resp[i,c] ← p(c | x_i) and logp[i] ← log p(x_i). */
function logJoint(
  x: Float64Array,
  n: number,
  d: number,
  params: Params,
  resp: Float64Array,
  logp: Float64Array,
): void {
  const k = params.weights.length;
  const y = new Float64Array(d);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      const mean = params.means[c];
      const f = params.factors[c];
      let q = 0;
      if (params.covariance === 'full') {
        // Solve L y = x − μ; q = ‖y‖².
        for (let a = 0; a < d; a++) {
          let v = x[i * d + a] - mean[a];
          for (let b = 0; b < a; b++) v -= f[a * d + b] * y[b];
          y[a] = v / f[a * d + a];
          q += y[a] * y[a];
        }
      } else {
        for (let j = 0; j < d; j++) {
          const t = x[i * d + j] - mean[j];
          q += (t * t) / f[j];
        }
      }
      const w = params.weights[c];
      row[c] = w > 0 ? Math.log(w) - 0.5 * (q + params.logDets[c] + d * LOG_2PI) : -Infinity;
      if (row[c] > max) max = row[c];
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(row[c] - max);
    const lse = max + Math.log(sum);
    logp[i] = lse;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(row[c] - lse);
  }
}

/** Lower Cholesky factor of a covariance matrix (d × d, row-major). */
function covarianceFactor(covariance: ArrayLike<number>, d: number): Float64Array {
  const { factor } = cholesky(covariance, d);
  if (!factor) throw new Error('GMM covariance is not positive definite');
  return factor;
}

function logDet(factor: Float64Array, d: number, covariance: 'full' | 'diag'): number {
  let s = 0;
  for (let j = 0; j < d; j++)
    s += covariance === 'full' ? 2 * Math.log(factor[j * d + j]) : Math.log(factor[j]);
  return s;
}

function cumulativeWeights(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}
