// Pairwise distances: for independent z, z' ~ N(0, I_d), (z − z')/√2 ~ N(0, I_d), so
// ‖z − z'‖/√2 ~ chi_d. Disjoint pairs (a random perfect matching of the rows) keep the values
// independent, which the KS p-value needs; ⌊n/2⌋ pairs. For a uniform prior on S^{d−1} the
// analogue is the inner product z·z', distributed as one coordinate of a uniform point.
import { chiCdf } from '../../shared/maths/special/chi';
import { sphereMarginalCdf } from '../../shared/maths/special/sphere-marginal';
import { ksTest, type KsFigures } from './ks-test';
import type { Latents } from './latents';
import type { Random } from './random';

export interface PairwiseFigures extends KsFigures {
  pairs: number;
  /** What was compared: scaled distances (gaussian) or inner products (sphere). */
  quantity: 'distance/sqrt2' | 'inner-product';
}

/** The values of the disjoint random pairs. */
export function pairValues(x: Latents, prior: 'gaussian' | 'sphere', random: Random): Float64Array {
  const { data, n, d } = x;
  const order = random.permutation(n);
  const pairs = Math.floor(n / 2);
  const out = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const i = order[2 * p] * d;
    const j = order[2 * p + 1] * d;
    let s = 0;
    if (prior === 'gaussian') {
      for (let k = 0; k < d; k++) s += (data[i + k] - data[j + k]) ** 2;
      out[p] = Math.sqrt(s / 2);
    } else {
      for (let k = 0; k < d; k++) s += data[i + k] * data[j + k];
      out[p] = s;
    }
  }
  return out;
}

export function pairwiseKs(
  values: Float64Array,
  d: number,
  prior: 'gaussian' | 'sphere',
): PairwiseFigures {
  const cdf =
    prior === 'gaussian' ? (r: number) => chiCdf(r, d) : (t: number) => sphereMarginalCdf(t, d);
  return {
    ...ksTest(values, cdf),
    pairs: values.length,
    quantity: prior === 'gaussian' ? 'distance/sqrt2' : 'inner-product',
  };
}
