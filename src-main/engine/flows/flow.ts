import { tf } from '../tf';
import type { FlowConfig } from '../../shared/config';
import type { LatentGeometry, Posterior } from '../latent/geometry';

/**
 * A normalizing flow on the posterior (Rezende & Mohamed 2015): z_0 ~ q_0(z|x), the geometry's
 * own posterior, is pushed through K invertible maps, z_K = f_K ∘ … ∘ f_1(z_0), and
 * log q_K(z_K|x) = log q_0(z_0|x) − Σ_k log |det ∂f_k/∂z_{k−1}| (their eq. 6). One file per flow,
 * registered in `registry.ts`.
 */
export interface PosteriorFlow {
  readonly config: FlowConfig;
  /** Values per item the flow reads from the encoder's head, after the geometry's. */
  readonly headSize: number;
  /** Parameters shared by every item (IAF's autoregressive nets), trained and checkpointed. */
  readonly variables: readonly tf.Variable[];
  /** z_K and Σ_k log |det ∂f_k/∂z_{k−1}| per row, for z_0 [n, d] and the flow's head [n, headSize]. */
  forward(z0: tf.Tensor2D, params: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D };
  dispose(): void;
}

/** Why the flowed posterior's density is known only where it drew the sample itself. */
const ONLY_OWN_SAMPLES =
  'a flowed posterior knows log q(z|x) only at the samples it drew (a planar flow has no closed-form inverse)';

/**
 * q_K(z|x): the geometry's posterior pushed through the flow. `sample` keeps z_0 and the
 * log-determinant of each sample it returns, so `logProb` and `kl` at that sample are exact
 * (eq. 6) and the KL is the single-sample Monte Carlo estimate
 * log q_K(z_K|x) − log p(z_K) (eq. 10's free energy, Rezende & Mohamed 2015).
 * `mean` is the flow applied to q_0's mean: the point the cloud and the sliders show.
 */
export class FlowPosterior implements Posterior {
  private readonly drawn = new Map<number, { z0: tf.Tensor2D; logDet: tf.Tensor1D }>();
  private flowedMean: tf.Tensor2D | null = null;

  constructor(
    private readonly base: Posterior,
    private readonly flow: PosteriorFlow,
    private readonly params: tf.Tensor2D,
    private readonly geometry: LatentGeometry,
  ) {}

  get mean(): tf.Tensor2D {
    return (this.flowedMean ??= this.flow.forward(this.base.mean, this.params).z);
  }

  sample(seed: number): tf.Tensor2D {
    const z0 = this.base.sample(seed);
    const { z, logDet } = this.flow.forward(z0, this.params);
    this.drawn.set(z.id, { z0, logDet });
    return z;
  }

  logProb(z: tf.Tensor2D): tf.Tensor1D {
    const drawn = this.drawn.get(z.id);
    if (!drawn) throw new Error(ONLY_OWN_SAMPLES);
    return tf.tidy(() => tf.sub(this.base.logProb(drawn.z0), drawn.logDet) as tf.Tensor1D);
  }

  kl(z: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sub(this.logProb(z), this.geometry.logPrior(z)) as tf.Tensor1D);
  }
}
