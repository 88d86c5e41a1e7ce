import { tf } from '../tf';

/**
 * An elementwise tensor op whose value and derivative are float64 JavaScript functions: the
 * forward pass reads the input's data, evaluates `value` per element and returns a float32
 * tensor; the backward pass multiplies dy by `derivative` evaluated the same way (tf.customGrad).
 * For special functions (log-Bessel, vMF KL) that float32 tensor arithmetic cannot evaluate.
 */
export function float64Op(
  value: (x: number) => number,
  derivative: (x: number) => number,
): <T extends tf.Tensor>(x: T) => T {
  const map = (x: tf.Tensor, f: (x: number) => number): tf.Tensor => {
    const data = x.dataSync();
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = f(data[i]);
    return tf.tensor(out, x.shape, 'float32');
  };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    return {
      value: map(input, value),
      gradFunc: (dy, saved) => [tf.tidy(() => tf.mul(dy, map(saved[0], derivative)))],
    };
  });
  return <T extends tf.Tensor>(x: T) => op(x) as T;
}

const shared = new Map<string, <T extends tf.Tensor>(x: T) => T>();

/**
 * `float64Op(value, derivative)` built once per `key` (which names the function and its fixed
 * parameters, e.g. `vmf-kl:64`) and reused, so each op registers one custom gradient.
 */
export function sharedFloat64Op(
  key: string,
  value: (x: number) => number,
  derivative: (x: number) => number,
): <T extends tf.Tensor>(x: T) => T {
  let op = shared.get(key);
  if (!op) shared.set(key, (op = float64Op(value, derivative)));
  return op;
}
