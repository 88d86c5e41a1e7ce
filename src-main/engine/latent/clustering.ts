import { munkres } from 'munkres';
import { tf } from '../tf';
import type { LatentGeometry, Posterior } from './geometry';
import { MixtureLatent, MixturePosterior } from './mixture';

/**
 * The mixture component of each item: argmax_k q(c = k | x) for a posterior (responsibilities
 * ∝ π_k exp(−KL(q ‖ N_k))), or argmax_k p(c = k | z) for latent points z [n, d].
 */
/** Whether a geometry's prior has components that items can be assigned to. */
export function hasClusters(geometry: LatentGeometry): geometry is MixtureLatent {
  return geometry instanceof MixtureLatent;
}

export function clusterAssignments(
  geometry: LatentGeometry,
  codes: tf.Tensor2D | Posterior,
): Int32Array {
  if (!hasClusters(geometry)) {
    throw new Error(
      `cluster assignments need a mixture prior (--latent mixture:K); this model's latent is "${geometry.config.kind}"`,
    );
  }
  const data = tf.tidy(() => {
    const resp =
      codes instanceof MixturePosterior
        ? codes.responsibilities()
        : geometry.pointResponsibilities(codes instanceof tf.Tensor ? codes : codes.mean);
    return tf.argMax(resp, 1).dataSync();
  });
  return Int32Array.from(data);
}

/**
 * Unsupervised clustering accuracy: the fraction of items whose cluster, mapped one-to-one onto
 * a class by the Hungarian algorithm (Kuhn 1955; the `munkres` package) to maximise agreement,
 * equals their label. Clusters left without a class (more clusters than classes) count as wrong.
 */
export function clusteringAccuracy(
  assignments: ArrayLike<number>,
  labels: ArrayLike<number>,
): number {
  const n = assignments.length;
  if (labels.length !== n) throw new Error(`${n} assignments but ${labels.length} labels`);
  if (n === 0) return NaN;
  let clusters = 0;
  let classes = 0;
  for (let i = 0; i < n; i++) {
    clusters = Math.max(clusters, assignments[i] + 1);
    classes = Math.max(classes, labels[i] + 1);
  }
  const counts = Array.from({ length: clusters }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < n; i++) counts[assignments[i]][labels[i]]++;
  // munkres minimises: cost = n − agreement.
  const pairs = munkres(counts.map((row) => row.map((c) => n - c)));
  let matched = 0;
  for (const [cluster, label] of pairs) matched += counts[cluster][label];
  return matched / n;
}
