// The two leading principal axes of a symmetric matrix, for the 2-D hole map: the eigenvectors of
// its two largest eigenvalues, signed by the shared eigen-solver's convention (largest-magnitude
// component positive), so the map is deterministic.
import { symmetricEigen } from '../../shared/maths/linalg';

/** Two orthonormal vectors spanning the top-2 eigenspace of the symmetric d×d matrix C (d ≥ 2). */
export function leadingAxes(covariance: Float64Array, d: number): [Float64Array, Float64Array] {
  const { vectors } = symmetricEigen(covariance, d);
  const column = (j: number) => Float64Array.from({ length: d }, (_, i) => vectors[i * d + j]);
  return [column(0), column(1)];
}
