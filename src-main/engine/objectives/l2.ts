import { tf } from '../tf';
import type { ObjectiveConfig } from '../../shared/config';
import { fitGmm, GmmPrior, type Gmm } from '../latent/gmm';
import type { FittedPrior, Objective, ObjectiveContext, Penalty } from './objective';
import type { ObjectiveDescriptor } from '../../shared/parts';

/**
 * The regularised autoencoder's latent penalty (RAE, Ghosh et al. 2020, Eq. 2 with L_z = ½‖z‖²;
 * the ½ is absorbed into β here): a deterministic encoder (the decoder sees the posterior mean)
 * and β‖z‖² per item, batch-mean. Its prior is fitted after training: a Gaussian mixture on the
 * training codes (`fitCodePrior`, §4 "ex-post density estimation").
 */
export const DEFAULT_GMM_COMPONENTS = 10;

export class L2Objective implements Objective {
  readonly deterministic = true;
  constructor(readonly config: ObjectiveConfig) {}

  penalty({ z }: ObjectiveContext): Penalty {
    return tf.tidy(() => {
      const divergence = tf.mean(tf.sum(tf.square(z), 1)) as tf.Scalar;
      return { weighted: tf.mul(this.config.weight, divergence) as tf.Scalar, divergence };
    });
  }

  fitPrior(codes: Float32Array, n: number, d: number, seed: number): FittedPrior {
    return new GmmPrior(fitCodePrior(this.config, codes, n, d, seed));
  }

  restorePrior(json: unknown): FittedPrior {
    return GmmPrior.fromJSON(json);
  }
}

/** The ex-post density of an RAE: a GMM fitted to its codes [n × d], as the config asks. */
export function fitCodePrior(
  config: ObjectiveConfig,
  codes: ArrayLike<number>,
  n: number,
  d: number,
  seed: number,
): Gmm {
  const k = Math.min(config.gmmComponents ?? DEFAULT_GMM_COMPONENTS, n);
  return fitGmm(
    codes,
    n,
    d,
    k,
    seed,
    config.gmmCovariance ? { covariance: config.gmmCovariance } : {},
  );
}

export const l2Descriptor: ObjectiveDescriptor = {
  kind: 'l2',
  label: 'L2 (RAE)',
  description:
    'a regularised deterministic autoencoder: λ·‖z‖², then a Gaussian mixture fitted to the codes (Ghosh et al. 2020)',
  weight: 'λ',
  meanOnly: true,
  parameters: [
    {
      key: 'gmmComponents',
      label: 'Fitted components',
      description: 'components of the Gaussian mixture fitted to the codes after training',
      integer: true,
      min: 1,
      max: 256,
      default: 10,
    },
  ],
};
