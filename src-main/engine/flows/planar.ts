import { tf } from '../tf';
import type { FlowConfig } from '../../shared/config';
import type { FlowDescriptor } from '../../shared/parts';
import type { PosteriorFlow } from './flow';

/**
 * Planar flows (Rezende & Mohamed, ICML 2015, §4.1): f(z) = z + û·tanh(wᵀz + b), with
 * log |det ∂f/∂z| = log |1 + ûᵀψ(z)|, ψ(z) = tanh′(wᵀz + b)·w (their eqs. 10–12). The
 * parameters (u, w, b) of each of the K steps are amortised: the encoder outputs them for every
 * item (their Algorithm 1), K·(2d + 1) values after the geometry's head.
 *
 * Invertibility (their appendix A.1): f is invertible iff wᵀû ≥ −1, so u is replaced by
 * û = u + [m(wᵀu) − wᵀu]·w/‖w‖² with m(x) = −1 + log(1 + eˣ), which gives wᵀû = m(wᵀu) > −1
 * for any u and w, hence after any update. Then 1 + ûᵀψ = 1 + tanh′(a)·wᵀû > 0 since tanh′ ∈ (0, 1].
 */
export class PlanarFlow implements PosteriorFlow {
  readonly headSize: number;
  readonly variables: tf.Variable[] = [];

  constructor(
    readonly config: FlowConfig,
    private readonly d: number,
  ) {
    this.headSize = config.length * (2 * d + 1);
  }

  /** The constrained û of each row: wᵀû = m(wᵀu) > −1. */
  static constrain(u: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const wu = tf.sum(tf.mul(w, u), 1, true);
      const m = tf.sub(tf.softplus(wu), 1);
      const norm = tf.add(tf.sum(tf.square(w), 1, true), 1e-8);
      return tf.add(u, tf.mul(tf.div(tf.sub(m, wu), norm), w)) as tf.Tensor2D;
    });
  }

  forward(z0: tf.Tensor2D, params: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
    return tf.tidy(() => {
      const d = this.d;
      const width = 2 * d + 1;
      let z = z0;
      let logDet = tf.zeros([z0.shape[0]]) as tf.Tensor1D;
      for (let k = 0; k < this.config.length; k++) {
        const at = k * width;
        const u = tf.slice(params, [0, at], [-1, d]) as tf.Tensor2D;
        const w = tf.slice(params, [0, at + d], [-1, d]) as tf.Tensor2D;
        const b = tf.slice(params, [0, at + 2 * d], [-1, 1]) as tf.Tensor2D;
        const uHat = PlanarFlow.constrain(u, w);
        const h = tf.tanh(tf.add(tf.sum(tf.mul(w, z), 1, true), b));
        z = tf.add(z, tf.mul(uHat, h)) as tf.Tensor2D;
        // 1 + ûᵀψ = 1 + (1 − tanh²)·wᵀû with wᵀû = softplus(wᵀu) − 1, written as
        // tanh² + (1 − tanh²)·softplus(wᵀu): a sum of non-negative terms, so float32 cannot
        // round it to zero or below as 1 + (1 − tanh²)(softplus − 1) can when wᵀu ≪ 0.
        const h2 = tf.square(h);
        const soft = tf.softplus(tf.sum(tf.mul(w, u), 1, true));
        const det = tf.add(h2, tf.mul(tf.sub(1, h2), soft));
        logDet = tf.add(logDet, tf.reshape(tf.log(tf.maximum(det, 1e-30)), [-1])) as tf.Tensor1D;
      }
      return { z, logDet };
    });
  }

  dispose(): void {}
}

export const planarDescriptor: FlowDescriptor = {
  kind: 'planar',
  label: 'Planar',
  description:
    'planar flows z + û·tanh(wᵀz + b), parameters output by the encoder for every item (Rezende & Mohamed 2015)',
};
