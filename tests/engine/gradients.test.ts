import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { conv2dFilterGrad } from '../../src-main/engine/training/fast-gradients';
import { Vae } from '../../src-main/engine/model/model';
import { tf } from '../../src-main/engine/tf';

// The wasm backend, where the gradient overrides (explicit transposes, im2col filter gradient) run.
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

/** Central finite difference of a scalar function of one variable's entry i. */
function finiteDifference(f: () => number, v: tf.Variable, i: number, h = 1e-2): number {
  const base = v.dataSync().slice();
  const at = (delta: number) => {
    const values = base.slice();
    values[i] += delta;
    v.assign(tf.tensor(values, v.shape));
    return f();
  };
  const g = (at(h) - at(-h)) / (2 * h);
  v.assign(tf.tensor(base, v.shape));
  return g;
}

describe('gradients', () => {
  it('of a tiny VAE loss agree with finite differences (fixed noise)', () => {
    const vae = Vae.create(
      {
        inputShape: [6],
        latent: { kind: 'gaussian', dim: 2 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'mlp', hidden: [5] },
        likelihood: 'bernoulli',
      },
      3,
    );
    const x = tf.tensor2d([
      [0.1, 0.9, 0.3, 0.0, 1.0, 0.5],
      [0.7, 0.2, 0.8, 0.4, 0.6, 0.1],
    ]);
    const loss = () => tf.tidy(() => vae.lossTerms(x, 0, 11).loss.dataSync()[0]);
    const vars = vae.trainableVariables();
    const { grads } = tf.variableGrads(() => vae.lossTerms(x, 0, 11).loss, vars);
    let checked = 0;
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      for (const i of [0, Math.floor(v.size / 2), v.size - 1]) {
        const fd = finiteDifference(loss, v, i);
        expect(Math.abs(g[i] - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
        checked++;
      }
    }
    expect(checked).toBe(vars.length * 3);
    vae.dispose();
  });

  it('of matMul with transposes match the analytic products', () => {
    const a = tf.randomNormal([4, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const dy = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
    const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true))(
      [a, b],
      dy,
    );
    // y = a·bᵀ ⇒ dL/da = dy·b, dL/db = dyᵀ·a
    expect(tf.max(tf.abs(tf.sub(ga, tf.matMul(dy, b)))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(gb, tf.matMul(dy.transpose(), a)))).dataSync()[0]).toBeLessThan(
      1e-5,
    );
  });

  it('conv2d filter gradient (im2col) matches finite differences', () => {
    for (const [stride, pad] of [
      [2, 'same'],
      [1, 'valid'],
      [2, 'valid'],
    ] as const) {
      const x = tf.randomNormal([2, 7, 6, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
      const w = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 6));
      const f = () =>
        tf.tidy(() => tf.sum(tf.square(tf.conv2d(x, w as tf.Tensor4D, stride, pad))).dataSync()[0]);
      const dy = tf.tidy(() =>
        tf.mul(2, tf.conv2d(x, w as tf.Tensor4D, stride, pad)),
      ) as tf.Tensor4D;
      const g = conv2dFilterGrad(x, dy, [3, 3, 2, 4], stride, pad).dataSync();
      const auto = tf
        .grad((k: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, k as tf.Tensor4D, stride, pad))))(w)
        .dataSync();
      for (const i of [0, 17, 40, 71]) {
        const fd = finiteDifference(f, w, i);
        expect(Math.abs(g[i] - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
        expect(auto[i]).toBeCloseTo(g[i], 3);
      }
    }
  });
});
