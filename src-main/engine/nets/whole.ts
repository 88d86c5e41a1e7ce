import { tf } from '../tf';

/**
 * A model run on large batches: `predict` cuts its input into batches of 32 rows (its default),
 * so 5,000 importance samples became 157 small products and a concatenation. Pieces of at most
 * `rows` rows keep a conv net's activations bounded (a 64×64 decoder's are 128 KB a row).
 */
export function whole(model: tf.LayersModel, x: tf.Tensor2D, rows = 1024): tf.Tensor2D {
  const n = x.shape[0];
  if (n <= rows) return model.apply(x, { training: false }) as tf.Tensor2D;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i += rows) {
    const piece = tf.slice(x, [i, 0], [Math.min(rows, n - i), -1]);
    parts.push(
      tf.reshape(model.apply(piece, { training: false }) as tf.Tensor, [
        piece.shape[0],
        -1,
      ]) as tf.Tensor2D,
    );
  }
  return tf.concat(parts, 0);
}
