import { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import { subSeed } from '../../shared/random';
import type { Objective, ObjectiveContext, Penalty } from './objective';
import type { ObjectiveDescriptor } from '../../shared/parts';

/**
 * Sliced Wasserstein distance between the encoded batch and an equal-sized prior draw (SWAE,
 * Kolouri et al. 2019, Eq. 12): project both on L random unit directions, sort each projection,
 * and average |Δ|^p over directions and ranks, which estimates SW_p^p.
 */
export const DEFAULT_PROJECTIONS = 50;

/**
 * The rows of t [L, n] sorted ascending, differentiably: a permutation found and applied on the
 * CPU, whose gradient scatters dy back through the inverse permutation. (tfjs has no TopK
 * gradient, and Gather's gradient needs UnsortedSegmentSum, which tfjs-wasm lacks.)
 */
function sortRows(t: tf.Tensor2D): tf.Tensor2D {
  const [rows, n] = t.shape;
  const sort = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const values = (args[0] as tf.Tensor).dataSync();
    const order = new Int32Array(rows * n); // order[r·n + i]: source column of rank i in row r
    const sorted = new Float32Array(rows * n);
    const index = Array.from({ length: n }, (_, i) => i);
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      index.sort((a, b) => values[base + a] - values[base + b]);
      for (let i = 0; i < n; i++) {
        order[base + i] = base + index[i];
        sorted[base + i] = values[base + index[i]];
      }
    }
    return {
      value: tf.tensor2d(sorted, [rows, n]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const back = new Float32Array(rows * n);
        for (let i = 0; i < back.length; i++) back[order[i]] = g[i];
        return [tf.tensor2d(back, [rows, n])];
      },
    };
  });
  return sort(t) as tf.Tensor2D;
}

/** L unit directions in ℝ^d as columns [d, L]. */
export function randomDirections(d: number, projections: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const g = tf.randomNormal([d, projections], 0, 1, 'float32', subSeed(seed, 0x5d));
    return tf.div(g, tf.sqrt(tf.add(tf.sum(tf.square(g), 0, true), 1e-12))) as tf.Tensor2D;
  });
}

/** SW_p^p estimate between x and y [n, d] (same n) along the columns of `directions` [d, L]. */
export function slicedWasserstein(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  directions: tf.Tensor2D,
  p = 2,
): tf.Scalar {
  if (x.shape[0] !== y.shape[0])
    throw new Error(
      `sliced Wasserstein needs equal sample sizes, got ${x.shape[0]} and ${y.shape[0]}`,
    );
  return tf.tidy(() => {
    const px = sortRows(tf.transpose(tf.matMul(x, directions)) as tf.Tensor2D);
    const py = sortRows(tf.transpose(tf.matMul(y, directions)) as tf.Tensor2D);
    const gap = tf.abs(tf.sub(px, py));
    return tf.mean(p === 2 ? tf.square(gap) : p === 1 ? gap : tf.pow(gap, p)) as tf.Scalar;
  });
}

export class SlicedWassersteinObjective implements Objective {
  readonly deterministic = false;
  constructor(readonly config: ObjectiveConfig) {}

  penalty({ geometry, z, seed }: ObjectiveContext): Penalty {
    return tf.tidy(() => {
      const prior = geometry.samplePrior(z.shape[0], seed);
      const directions = randomDirections(
        z.shape[1],
        this.config.projections ?? DEFAULT_PROJECTIONS,
        seed,
      );
      const divergence = slicedWasserstein(z, prior, directions, this.config.power ?? 2);
      return { weighted: tf.mul(this.config.weight, divergence) as tf.Scalar, divergence };
    });
  }
}

export const swdDescriptor: ObjectiveDescriptor = {
  kind: 'swd',
  label: 'Sliced Wasserstein',
  description:
    'sliced Wasserstein distance to prior draws along random projections (Kolouri et al. 2019)',
  weight: 'λ',
  parameters: [
    {
      key: 'projections',
      label: 'Projections',
      description: 'random projections per step',
      integer: true,
      min: 1,
      max: 10000,
      default: 50,
    },
  ],
};
