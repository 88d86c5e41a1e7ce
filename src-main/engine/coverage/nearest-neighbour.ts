// Nearest-neighbour distances by blocked brute force on the Gram kernel: O(q·r·d) for q queries
// against r reference points, which callers bound by subsampling. (A k-d tree only pays off for
// d ≲ 10, and the report's work is bounded either way.)
import { forEachDistanceBlock } from './distances';
import type { KernelContext } from './kernels/gram-kernels';
import type { Latents } from './latents';

/**
 * For each query row, the distance to its nearest reference row. `self[i]`, if ≥ 0, is the index
 * of query i within the reference set, skipped (leave-one-out).
 */
export function nearestNeighbourDistances(
  context: KernelContext,
  queries: Latents,
  reference: Latents,
  self?: Int32Array,
): Float64Array {
  const best = new Float64Array(queries.n).fill(Infinity);
  forEachDistanceBlock(context, queries, reference, (distances, columns, j0) => {
    for (let i = 0; i < queries.n; i++) {
      const skip = self ? self[i] - j0 : -1;
      let b = best[i];
      for (let j = 0; j < columns; j++) {
        const v = distances[i * columns + j];
        if (v < b && j !== skip) b = v;
      }
      best[i] = b;
    }
  });
  for (let i = 0; i < best.length; i++) best[i] = Math.sqrt(best[i]);
  return best;
}
