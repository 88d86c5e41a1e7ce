// Maximum mean discrepancy (Gretton et al. 2012) between the encoded points X (m rows) and prior
// samples Y (k rows), with the WAE paper's inverse multiquadratic kernel (Tolstikhin et al. 2018)
// summed over scales: k(x, y) = Σ_s C_s / (C_s + ‖x − y‖²), C_s = 2·d·σ²·s,
// s ∈ {0.1, 0.2, 0.5, 1, 2, 5, 10}, σ² the prior's per-coordinate variance. The unbiased
// U-statistic (Gretton et al. 2012, MMD²_u):
//   MMD²_u = S_XX/(m(m−1)) + S_YY/(k(k−1)) − 2 S_XY/(m k),  S_AB = Σ_{i∈A, j∈B, i≠j} k(z_i, z_j).
// Its p-value is a permutation test: the pooled points are relabelled at random P times and
// p = (1 + #{MMD²_u(perm) ≥ MMD²_u}) / (1 + P). With a the 0/1 indicator of X in the pooled
// sample and K₀ the kernel matrix with zero diagonal, S_XX = aᵀK₀a and
// S_XY = aᵀK₀1 − S_XX, S_YY = 1ᵀK₀1 − 2aᵀK₀1 + S_XX, so every permutation costs one product
// with K₀, done for all permutations at once by the Gram kernel.
import { forEachDistanceBlock } from './distances';
import type { KernelContext } from './kernels/gram-kernels';
import { roundUp, type Latents } from './latents';
import type { Random } from './random';

export const IMQ_SCALES = [0.1, 0.2, 0.5, 1, 2, 5, 10];

export interface MmdFigures {
  /** MMD²_u, the unbiased estimate of the squared MMD (can be slightly negative). */
  value: number;
  p: number;
  /** Encoded points used (a seeded subsample). */
  subsample: number;
  prior_samples: number;
  permutations: number;
  kernel: string;
}

/** The IMQ constants C_s = 2·d·σ²·s. */
export function imqConstants(d: number, priorVariance: number): number[] {
  return IMQ_SCALES.map((s) => 2 * d * priorVariance * s);
}

export function mmd(
  context: KernelContext,
  x: Latents,
  y: Latents,
  priorVariance: number,
  permutations: number,
  random: Random,
): MmdFigures {
  const m = x.n;
  const k = y.n;
  const N = m + k;
  const d = x.d;
  const constants = imqConstants(d, priorVariance);
  const pooled: Latents = { data: new Float64Array(N * d), n: N, d };
  pooled.data.set(x.data, 0);
  pooled.data.set(y.data, m * d);

  const Np = roundUp(N, 4);
  const P = roundUp(permutations + 1, 4); // column 0: the observed labelling
  const mark = context.workspace.mark();
  const kernel = context.workspace.alloc(Np * Np);
  forEachDistanceBlock(context, pooled, pooled, (distances, columns, j0) => {
    const memory = context.workspace.f64;
    for (let i = 0; i < N; i++) {
      const row = kernel / 8 + i * Np + j0;
      for (let j = 0; j < columns; j++) {
        if (i === j0 + j) continue;
        const r2 = distances[i * columns + j];
        let value = 0;
        for (const c of constants) value += c / (c + r2);
        memory[row + j] = value;
      }
    }
  });
  const labels = context.workspace.alloc(P * Np);
  const products = context.workspace.alloc(Np * P);
  let memory = context.workspace.f64;
  for (let p = 0; p <= permutations; p++) {
    const base = labels / 8 + p * Np;
    if (p === 0) for (let i = 0; i < m; i++) memory[base + i] = 1;
    else {
      const order = random.permutation(N);
      for (let i = 0; i < m; i++) memory[base + order[i]] = 1;
    }
  }
  // products[i][p] = (K₀ a_p)_i
  context.kernels.gram(kernel, Np, labels, P, Np, Np * 8, products, P * 8, 8, false, 0);
  memory = context.workspace.f64;
  const rowSums = new Float64Array(N);
  let total = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += memory[kernel / 8 + i * Np + j];
    rowSums[i] = s;
    total += s;
  }
  const statistics = new Float64Array(permutations + 1);
  for (let p = 0; p <= permutations; p++) {
    let sxx = 0;
    let aRow = 0;
    for (let i = 0; i < N; i++) {
      const a = memory[labels / 8 + p * Np + i];
      if (a === 0) continue;
      sxx += memory[products / 8 + i * P + p];
      aRow += rowSums[i];
    }
    const sxy = aRow - sxx;
    const syy = total - 2 * aRow + sxx;
    statistics[p] = sxx / (m * (m - 1)) + syy / (k * (k - 1)) - (2 * sxy) / (m * k);
  }
  context.workspace.release(mark);
  const observed = statistics[0];
  let atLeast = 0;
  for (let p = 1; p <= permutations; p++) if (statistics[p] >= observed) atLeast++;
  return {
    value: observed,
    p: (1 + atLeast) / (1 + permutations),
    subsample: m,
    prior_samples: k,
    permutations,
    kernel: `IMQ, C = 2·d·σ²·s, s ∈ {${IMQ_SCALES.join(', ')}}, σ² = ${priorVariance}`,
  };
}
