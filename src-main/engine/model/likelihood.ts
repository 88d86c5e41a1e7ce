import { tf } from '../tf';
import type { Likelihood } from '../../shared/config';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * −log p(x | z) per row, summed over pixels, from the decoder's logits.
 * Bernoulli: the numerically stable sigmoid cross-entropy max(l, 0) − l·x + log(1 + e^{−|l|}).
 * Gaussian: mean sigmoid(l), fixed σ.
 */
export function negativeLogLikelihood(
  kind: Likelihood,
  logits: tf.Tensor2D,
  x: tf.Tensor2D,
  sigma: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    if (kind === 'bernoulli') {
      const ce = tf.add(
        tf.sub(tf.relu(logits), tf.mul(logits, x)),
        tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
      );
      return tf.sum(ce, 1) as tf.Tensor1D;
    }
    const size = x.shape[1];
    const sq = tf.sum(tf.square(tf.sub(x, tf.sigmoid(logits))), 1);
    return tf.add(
      tf.div(sq, 2 * sigma * sigma),
      size * (Math.log(sigma) + 0.5 * LOG_2PI),
    ) as tf.Tensor1D;
  });
}
