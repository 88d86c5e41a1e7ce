// Radii against the chi distribution: for z ~ N(0, I_d), ‖z‖ ~ chi_d, so a KS test of the
// encoded points' norms against chi_d sees a shrunk, inflated or hollow aggregate posterior even
// when every marginal looks fine. Uses all n rows.
import { chiCdf } from '../../shared/maths/special/chi';
import { ksTest, type KsFigures } from './ks-test';
import { squaredNorms, type Latents } from './latents';

/** ‖x_i‖ for every row. */
export function radii(x: Latents): Float64Array {
  return squaredNorms(x).map(Math.sqrt);
}

/** KS test of ‖x_i‖ against chi_d. */
export function radiusKs(radii: Float64Array, d: number): KsFigures {
  return ksTest(radii, (r) => chiCdf(r, d));
}
