// Prior holes: regions the prior puts mass on but no encoded point reaches, where decoding a
// prior sample gives garbage. Draw prior samples; a sample is in a hole when its distance to the
// nearest encoded point exceeds the `quantile` (default 0.99) of the encoded points' own
// leave-one-out nearest-neighbour distances, both measured against the same reference subsample
// of encoded points. If the aggregate posterior equalled the prior, prior samples and encoded
// points would be exchangeable and about 1 − quantile of the samples would be flagged
// (`expected_fraction`); much more means holes. The flagged samples are clustered by k-means so
// the viewer can mark the centres. Work is bounded: the reference subsample has at most
// `workBudget / ((samples + queries) · d)` rows (default budget 1e9 multiply-adds).
import { kMeans } from '../../shared/maths/kmeans';
import type { KernelContext } from './kernels/gram-kernels';
import { selectRows, type Latents } from './latents';
import { nearestNeighbourDistances } from './nearest-neighbour';
import type { Random } from './random';

export interface HoleOptions {
  priorSamples?: number;
  queries?: number;
  quantile?: number;
  maxClusters?: number;
  workBudget?: number;
}

export interface HoleFigures {
  fraction: number;
  expected_fraction: number;
  threshold: number;
  quantile: number;
  prior_samples: number;
  reference_subsample: number;
  centers: number[][];
  sizes: number[];
}

export interface HoleDetails {
  figures: HoleFigures;
  /** The prior samples in holes (row-major), for plotting. */
  holeSamples: Latents;
}

export function findHoles(
  context: KernelContext,
  x: Latents,
  drawPrior: (m: number) => Float64Array,
  random: Random,
  options: HoleOptions = {},
): HoleDetails {
  const { n, d } = x;
  const samples = options.priorSamples ?? 2000;
  const queriesWanted = options.queries ?? 1000;
  const quantile = options.quantile ?? 0.99;
  const budget = options.workBudget ?? 1e9;
  const referenceSize = Math.min(
    n,
    Math.max(1000, Math.floor(budget / ((samples + queriesWanted) * Math.max(d, 8)))),
  );
  const reference = selectRows(x, random.sample(n, referenceSize));
  // Leave-one-out queries: a random subset of the reference rows themselves.
  const queryCount = Math.min(queriesWanted, referenceSize);
  const queryIndices = random.sample(referenceSize, queryCount);
  const queries = selectRows(reference, queryIndices);
  const own = nearestNeighbourDistances(context, queries, reference, queryIndices).sort();
  const threshold = own[Math.min(own.length - 1, Math.floor(quantile * own.length))];

  const prior: Latents = { data: drawPrior(samples), n: samples, d };
  const distances = nearestNeighbourDistances(context, prior, reference);
  const inHole: number[] = [];
  for (let i = 0; i < samples; i++) if (distances[i] > threshold) inHole.push(i);
  const holeSamples = selectRows(prior, Int32Array.from(inHole));
  const maxClusters = options.maxClusters ?? 8;
  const centers: number[][] = [];
  let sizes: number[] = [];
  if (inHole.length > 0) {
    const k = Math.min(maxClusters, Math.ceil(inHole.length / 20));
    const clusters = kMeans(holeSamples.data, inHole.length, d, k, () => random.uniform());
    sizes = clusters.sizes;
    for (let c = 0; c < sizes.length; c++)
      centers.push(Array.from(clusters.centers.subarray(c * d, c * d + d)));
    // Largest holes first.
    const order = sizes.map((_, c) => c).sort((a, b) => sizes[b] - sizes[a]);
    const sortedCenters = order.map((c) => centers[c]);
    sizes = order.map((c) => sizes[c]);
    centers.splice(0, centers.length, ...sortedCenters);
  }
  return {
    figures: {
      fraction: inHole.length / samples,
      expected_fraction: 1 - quantile,
      threshold,
      quantile,
      prior_samples: samples,
      reference_subsample: referenceSize,
      centers,
      sizes,
    },
    holeSamples,
  };
}
