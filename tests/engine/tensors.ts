import { tf } from '../../src-main/engine/tf';
import { mulberry32 } from '../../src-main/shared/random';

/** A tensor of `shape` with values uniform in [−1, 1), reproducible from `seed`. */
export function random(shape: number[], seed: number): tf.Tensor {
  const rng = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => 2 * rng() - 1),
    shape,
  );
}

/** A tensor's float32 values as bit patterns (so −0 and NaN compare exactly). */
export const bits = (t: tf.Tensor) =>
  Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
