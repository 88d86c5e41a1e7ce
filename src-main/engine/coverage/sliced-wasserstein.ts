// Sliced Wasserstein distance (Rabin et al. 2011; Kolouri et al. 2019, SWAE) between the encoded
// points and the prior: project on L random unit directions θ, sort, and compare with the prior's
// projected law. Every projection of the prior has the same law (N(0, 1) for N(0, I), the sphere
// marginal for the uniform S^{d−1}), so the prior side is its exact quantile function rather than
// a second noisy sample:
//   SW₂² = (1/L) Σ_θ (1/m) Σ_k (⟨x, θ⟩_(k) − F⁻¹((k − ½)/m))².
// Reported as SW₂ = √SW₂².
import { normalQuantile } from '../../shared/maths/special/normal';
import { sphereMarginalQuantile } from '../../shared/maths/special/sphere-marginal';
import { forEachInnerProductBlock } from './distances';
import type { KernelContext } from './kernels/gram-kernels';
import type { Latents } from './latents';
import type { Random } from './random';

export interface SlicedWassersteinFigures {
  value: number;
  directions: number;
  subsample: number;
}

export function slicedWasserstein(
  context: KernelContext,
  x: Latents,
  prior: 'gaussian' | 'sphere',
  directions: number,
  random: Random,
): SlicedWassersteinFigures {
  const { n, d } = x;
  const quantiles = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = (k + 0.5) / n;
    quantiles[k] = prior === 'gaussian' ? normalQuantile(u) : sphereMarginalQuantile(u, d);
  }
  const thetas: Latents = { data: random.unitVectors(directions, d), n: directions, d };
  // projections[l][i] = ⟨x_i, θ_l⟩
  const projections = new Float64Array(directions * n);
  forEachInnerProductBlock(context, x, thetas, (products, offset, columns, j0, stride) => {
    for (let i = 0; i < n; i++)
      for (let l = 0; l < columns; l++)
        projections[(j0 + l) * n + i] = products[offset + i * stride + l];
  });
  let total = 0;
  for (let l = 0; l < directions; l++) {
    const sorted = projections.subarray(l * n, (l + 1) * n).sort();
    let sum = 0;
    for (let k = 0; k < n; k++) sum += (sorted[k] - quantiles[k]) ** 2;
    total += sum / n;
  }
  return { value: Math.sqrt(total / directions), directions, subsample: n };
}
