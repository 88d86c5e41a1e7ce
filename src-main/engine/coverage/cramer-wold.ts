// The Cramér–Wold distance (Tabor et al. 2018, "Cramer-Wold AutoEncoder"): the L2 distance of the
// Gaussian-smoothed (bandwidth γ) one-dimensional projections, averaged over all directions.
// For samples X, Y of size m in R^D (the paper's closed form for samples),
//   d²_cw(X, Y) = 1/(2m²√(πγ)) [Σ_ii' φ_D(‖x_i − x_i'‖²/(4γ)) + Σ_jj' φ_D(‖y_j − y_j'‖²/(4γ))
//                               − 2 Σ_ij φ_D(‖x_i − y_j‖²/(4γ))],
// and against the standard normal density N(0, I) (the paper's closed form used by CWAE),
//   d²_cw(X, N(0, I)) = 1/(2m²√π) [ (1/√γ) Σ_ij φ_D(‖x_i − x_j‖²/(4γ)) + m²/√(1 + γ)
//                                   − (2m/√(γ + ½)) Σ_i φ_D(‖x_i‖²/(2 + 4γ)) ],
// with φ_D(s) = ₁F₁(½; D/2; −s) evaluated exactly for every D (special/hypergeometric.ts) and
// Silverman's bandwidth γ = σ²(4/(3m))^{2/5} (σ² = 1 for N(0, I)).
// Against the uniform distribution U on S^{D−1}, for unit rows x_i, the same expansion gives
//   d²_cw(X, U) = 1/(2√(πγ)) [ (1/m²) Σ_ij φ_D(‖x_i − x_j‖²/(4γ)) − E φ_D(‖u − u′‖²/(4γ)) ],
// because E_u φ_D(‖x − u‖²/(4γ)) is the same for every unit x and equals the U–U term; the
// expectation over u·u′ = cos θ is a one-dimensional integral against sin^{D−2}θ on [0, π].
import { cramerWoldPhiOf } from '../special/hypergeometric';
import { forEachDistanceBlock } from './distances';
import type { KernelContext } from './kernels/gram-kernels';
import { squaredNorms, type Latents } from './latents';

/** Silverman's rule of thumb for the smoothing, γ = σ²(4/(3m))^{2/5}. */
export function silvermanGamma(m: number, variance = 1): number {
  return variance * Math.pow(4 / (3 * m), 0.4);
}

/**
 * Σ_ij φ_D(‖x_i − y_j‖²/(4γ)) over all ordered pairs; with y omitted, over the ordered pairs of x
 * including i = j (φ_D(0) = 1), summing each unordered pair once.
 */
function phiSum(context: KernelContext, x: Latents, y: Latents | undefined, gamma: number): number {
  const phi = cramerWoldPhiOf(x.d);
  const scale = 1 / (4 * gamma);
  let sum = 0;
  forEachDistanceBlock(context, x, y ?? x, (distances, columns, j0) => {
    for (let i = 0; i < x.n; i++) {
      const first = y ? 0 : Math.max(0, i + 1 - j0);
      for (let j = first; j < columns; j++) sum += phi(distances[i * columns + j] * scale);
    }
  });
  return y ? sum : 2 * sum + x.n;
}

/** d²_cw(X, N(0, I)) by the closed form. */
export function cramerWoldToNormal(context: KernelContext, x: Latents): number {
  const m = x.n;
  const gamma = silvermanGamma(m);
  const phi = cramerWoldPhiOf(x.d);
  const pairs = phiSum(context, x, undefined, gamma);
  let single = 0;
  for (const r2 of squaredNorms(x)) single += phi(r2 / (2 + 4 * gamma));
  return (
    (pairs / Math.sqrt(gamma) +
      (m * m) / Math.sqrt(1 + gamma) -
      ((2 * m) / Math.sqrt(gamma + 0.5)) * single) /
    (2 * m * m * Math.sqrt(Math.PI))
  );
}

/** d²_cw(X, Uniform(S^{D−1})) for unit rows x_i. */
export function cramerWoldToUniformSphere(
  context: KernelContext,
  x: Latents,
  gamma: number,
): number {
  const m = x.n;
  const pairs = phiSum(context, x, undefined, gamma);
  return (pairs / (m * m) - uniformSphereKernelMean(x.d, gamma)) / (2 * Math.sqrt(Math.PI * gamma));
}

/**
 * E φ_D(‖u − u′‖²/(4γ)) for independent uniform u, u′ on S^{D−1}: with u·u′ = cos θ,
 * ‖u − u′‖² = 2 − 2cos θ and θ has density ∝ sin^{D−2}θ on [0, π] (D ≥ 2); composite
 * Simpson's rule on a smooth periodic-like integrand. For D = 1, u·u′ = ±1 with probability ½.
 */
export function uniformSphereKernelMean(d: number, gamma: number, intervals = 20000): number {
  const phi = cramerWoldPhiOf(d);
  if (d === 1) return 0.5 * (1 + phi(1 / gamma));
  let numerator = 0;
  let denominator = 0;
  const h = Math.PI / intervals;
  for (let i = 0; i <= intervals; i++) {
    const theta = i * h;
    const weight = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    const sine = Math.sin(theta);
    const density = d === 2 ? 1 : sine > 0 ? Math.exp((d - 2) * Math.log(sine)) : 0;
    if (density === 0) continue;
    numerator += weight * density * phi((1 - Math.cos(theta)) / (2 * gamma));
    denominator += weight * density;
  }
  return numerator / denominator;
}

/** d²_cw(X, Y) between two samples of equal size, with bandwidth γ. */
export function cramerWoldBetween(
  context: KernelContext,
  x: Latents,
  y: Latents,
  gamma: number,
): number {
  const m = x.n;
  const sum =
    phiSum(context, x, undefined, gamma) +
    phiSum(context, y, undefined, gamma) -
    2 * phiSum(context, x, y, gamma);
  return sum / (2 * m * m * Math.sqrt(Math.PI * gamma));
}
