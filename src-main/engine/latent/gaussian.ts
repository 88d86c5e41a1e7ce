import { tf } from '../tf';
import { subSeed } from '../../shared/random';
import type { LatentConfig } from '../../shared/config';
import type { LatentGeometry, Posterior } from './geometry';
import type { GeometryDescriptor } from '../../shared/parts';

export const LOG_2PI = Math.log(2 * Math.PI);

/** log N(z; mean, exp(logVar)) per row, summed over dimensions. */
export function diagonalGaussianLogProb(
  z: tf.Tensor2D,
  mean: tf.Tensor,
  logVar: tf.Tensor,
): tf.Tensor1D {
  return tf.tidy(() => {
    const sq = tf.div(tf.square(tf.sub(z, mean)), tf.exp(logVar));
    return tf.mul(-0.5, tf.sum(tf.add(tf.add(sq, logVar), LOG_2PI), 1)) as tf.Tensor1D;
  });
}

/**
 * Splits an encoder head [n, 2d] into a mean [n, d] and a log-variance [n, d] clipped to `clamp`:
 * the head of every diagonal Gaussian posterior.
 */
export function diagonalGaussianHead(
  head: tf.Tensor2D,
  d: number,
  clamp: [number, number],
): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
  const mean = tf.slice(head, [0, 0], [-1, d]) as tf.Tensor2D;
  const logVar = tf.clipByValue(tf.slice(head, [0, d], [-1, d]), ...clamp) as tf.Tensor2D;
  return { mean, logVar };
}

/**
 * The reparameterised draw (Kingma & Welling 2014) z = μ + σ ⊙ ε, ε ~ N(0, I), with ε seeded by
 * `subSeed(seed, tag)`.
 */
export function diagonalGaussianSample(
  mean: tf.Tensor2D,
  logVar: tf.Tensor2D,
  seed: number,
  tag: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', subSeed(seed, tag));
    return tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
  });
}

/** Standard normal log-density per row. */
export function standardNormalLogProb(z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.add(tf.square(z), LOG_2PI), 1)) as tf.Tensor1D);
}

class DiagonalGaussianPosterior implements Posterior {
  constructor(
    readonly mean: tf.Tensor2D,
    readonly logVar: tf.Tensor2D,
  ) {}

  sample(seed: number): tf.Tensor2D {
    return diagonalGaussianSample(this.mean, this.logVar, seed, 0x9a);
  }

  /** ½(μ² + σ² − log σ² − 1) per dimension: KL(N(μ, σ²) ‖ N(0, 1)). */
  klPerDim(): tf.Tensor2D {
    return tf.tidy(
      () =>
        tf.mul(
          0.5,
          tf.sub(tf.add(tf.square(this.mean), tf.exp(this.logVar)), tf.add(this.logVar, 1)),
        ) as tf.Tensor2D,
    );
  }

  kl(): tf.Tensor1D {
    return tf.tidy(() => tf.sum(this.klPerDim(), 1) as tf.Tensor1D);
  }

  logProb(z: tf.Tensor2D): tf.Tensor1D {
    return diagonalGaussianLogProb(z, this.mean, this.logVar);
  }
}

/** z ∈ ℝ^d, prior N(0, I), posterior a diagonal Gaussian with clamped log-variance. */
export class GaussianLatent implements LatentGeometry {
  readonly dim: number;
  readonly headSize: number;
  readonly variables: tf.Variable[] = [];

  constructor(
    readonly config: LatentConfig,
    private readonly logVarClamp: [number, number] = [-10, 10],
  ) {
    this.dim = config.dim;
    this.headSize = 2 * config.dim;
  }

  posterior(head: tf.Tensor2D): Posterior {
    const { mean, logVar } = diagonalGaussianHead(head, this.dim, this.logVarClamp);
    return new DiagonalGaussianPosterior(mean, logVar);
  }

  samplePrior(n: number, seed: number): tf.Tensor2D {
    return tf.randomNormal([n, this.dim], 0, 1, 'float32', subSeed(seed, 0x9b));
  }

  logPrior(z: tf.Tensor2D): tf.Tensor1D {
    return standardNormalLogProb(z);
  }

  dispose(): void {}
}

/** N(0, I) prior, diagonal Gaussian posterior (Kingma & Welling 2014). */
export const gaussianDescriptor: GeometryDescriptor = {
  kind: 'gaussian',
  label: 'Gaussian',
  description: 'N(0, I) prior, diagonal Gaussian posterior',
  spherical: false,
  minDim: 1,
  coverage: { prior: 'gaussian' },
  parameters: [],
  refuses: {},
};
