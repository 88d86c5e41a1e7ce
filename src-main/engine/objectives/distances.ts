import { tf } from '../tf';

/**
 * ‖x_i − y_j‖² for all pairs, [n, m], as ‖x‖² + ‖y‖² − 2xyᵀ clipped at 0. The product is an
 * explicit transpose and a plain matMul: tfjs-wasm's transposed matMul is 10–20× slower.
 */
export function squaredDistances(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const xx = tf.sum(tf.square(x), 1, true); // [n, 1]
    const yy = tf.reshape(tf.sum(tf.square(y), 1), [1, -1]); // [1, m]
    const xy = tf.matMul(x, tf.transpose(y));
    return tf.relu(tf.sub(tf.add(xx, yy), tf.mul(2, xy))) as tf.Tensor2D;
  });
}

/** Mean of the off-diagonal entries of a square matrix [n, n] (a U-statistic's pair average). */
export function offDiagonalMean(k: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = k.shape[0];
    return tf.div(tf.sub(tf.sum(k), tf.sum(tf.mul(k, tf.eye(n)))), n * (n - 1)) as tf.Scalar;
  });
}

/** Total variance E‖z − E z‖² of a sample, as a number (no gradient). */
export function totalVariance(z: tf.Tensor2D): number {
  return tf.tidy(() => tf.sum(tf.moments(z, 0).variance).dataSync()[0]);
}
