import { normal, type Rng } from '../../shared/random';

/**
 * Gamma(α, 1) variates by Marsaglia & Tsang (2000), float64 on a seeded generator. The accepted
 * normal proposal ε is returned too: G = (α − ⅓)(1 + ε/√(9α − 3))³ is a smooth function of α for
 * fixed ε, which is how Power Spherical samples get gradients with respect to κ (the
 * "reparameterisation through the accepted proposal" of Naesseth et al. 2017).
 */
export interface GammaDraw {
  /** The Gamma(α, 1) value. */
  value: number;
  /** The accepted standard normal proposal (for α ≥ 1). */
  eps: number;
}

/** One Marsaglia-Tsang draw for α ≥ 1. */
export function marsagliaTsang(alpha: number, rng: Rng): GammaDraw {
  if (!(alpha >= 1)) throw new RangeError(`marsagliaTsang needs α ≥ 1, got ${alpha}`);
  const d = alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const v = 1 + c * x;
    if (v <= 0) continue;
    const v3 = v * v * v;
    const u = 1 - rng(); // (0, 1]
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v3 + Math.log(v3))) {
      return { value: d * v3, eps: x };
    }
  }
}

/** Gamma(α, 1) for any α > 0, with the boost Γ(α) = Γ(α + 1)·U^{1/α} below 1. */
export function sampleGamma(alpha: number, rng: Rng): number {
  if (alpha < 1) return marsagliaTsang(alpha + 1, rng).value * Math.pow(1 - rng(), 1 / alpha);
  return marsagliaTsang(alpha, rng).value;
}
