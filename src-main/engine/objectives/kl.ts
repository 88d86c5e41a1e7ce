import { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import type { Objective, ObjectiveContext, Penalty } from './objective';
import type { ObjectiveDescriptor } from '../../shared/parts';

/**
 * The ELBO's KL term, β-weighted (Higgins et al. 2017) with linear warm-up (Bowman et al. 2016)
 * and free bits per dimension (Kingma et al. 2016: max(λ, KL_j) on the batch-mean KL of each
 * dimension, where the posterior factorises).
 */
export class KlObjective implements Objective {
  readonly deterministic = false;
  constructor(readonly config: ObjectiveConfig) {}

  betaAt(step: number): number {
    const { weight, warmupSteps } = this.config;
    return warmupSteps > 0 ? weight * Math.min(1, step / warmupSteps) : weight;
  }

  penalty({ posterior, z, step }: ObjectiveContext): Penalty {
    return tf.tidy(() => {
      const divergence = tf.mean(posterior.kl(z)) as tf.Scalar;
      let charged = divergence;
      if (this.config.freeBits > 0 && posterior.klPerDim) {
        const perDim = tf.mean(posterior.klPerDim(), 0);
        charged = tf.sum(tf.maximum(perDim, this.config.freeBits)) as tf.Scalar;
      }
      return { weighted: tf.mul(this.betaAt(step), charged) as tf.Scalar, divergence };
    });
  }
}

export const klDescriptor: ObjectiveDescriptor = {
  kind: 'kl',
  label: 'KL (ELBO)',
  description: 'the evidence lower bound: KL(q(z|x) ‖ p(z)) per item, with warm-up and free bits',
  weight: 'β',
  parameters: [],
  density: true,
};
