import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { FusedAdam, adamUpdate } from '../../src-main/engine/training/fused-adam';
import { biasRelu } from '../../src-main/engine/kernels/bias-relu';
import { bits, random } from './tensors';

// The training step's fused kernels on wasm (kernels/adam-module.ts, leading-sum.ts,
// relu-grad.ts) against tfjs' own ops: bit for bit, tails of len mod 4 included.
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('FusedAdam', () => {
  /** Weights after `steps` updates of a small regression, with `make`'s optimizer. */
  async function train(make: () => tf.Optimizer, steps: number, resumeAt?: number) {
    const w = tf.variable(random([37, 23], 1));
    const b = tf.variable(random([23], 2));
    const x = random([16, 37], 3);
    let optimizer = make();
    for (let s = 0; s < steps; s++) {
      if (s === resumeAt) {
        // Save the slots and continue with a fresh optimizer of the same kind, as a resume does.
        const saved = await optimizer.getWeights();
        const fresh = make();
        await fresh.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
        optimizer.dispose();
        optimizer = fresh;
      }
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.mean(tf.square(tf.sin(tf.add(tf.matMul(x, w), b)))) as tf.Scalar,
          [w, b],
        );
        optimizer.applyGradients(grads);
      });
    }
    const out = [bits(w), bits(b)];
    tf.dispose([w, b, x]);
    optimizer.dispose();
    return out;
  }

  it('gives tfjs Adam’s weights bit for bit (37×23 = 851 values: a tail of 3)', async () => {
    let before = tf.memory().numTensors;
    const stock = await train(() => tf.train.adam(1e-2), 30);
    const stockLeft = tf.memory().numTensors - before;
    before = tf.memory().numTensors;
    expect(await train(() => new FusedAdam(1e-2), 30)).toEqual(stock);
    // No tensor is left behind per step: what remains is what tfjs' Adam leaves too.
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(stockLeft);
  });

  it('keeps tfjs’ slots: getWeights/setWeights resume the same run', async () => {
    const stock = await train(() => tf.train.adam(1e-2), 12);
    expect(await train(() => new FusedAdam(1e-2), 12, 6)).toEqual(stock);
    const fused = new FusedAdam(1e-3);
    const v = tf.variable(random([5], 4));
    fused.applyGradients({ [v.name]: random([5], 5) } as never);
    const names = (await fused.getWeights()).map((w) => w.name);
    expect(names).toEqual(['iter', `${v.name}/m`, `${v.name}/v`]);
    fused.dispose();
    v.dispose();
  });

  it('the reference loop equals tfjs’ ops value by value', () => {
    const [value, g, m, v] = [1, 2, 3, 4].map((s) => Float32Array.from(random([9], s).dataSync()));
    for (let i = 0; i < 9; i++) v[i] = Math.abs(v[i]);
    const attrs = {
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      correction1: Math.fround(1 - 0.9 ** 3),
      correction2: Math.fround(1 - 0.999 ** 3),
    };
    const [o1, o2, o3] = [0, 1, 2].map(() => new Float32Array(9));
    adamUpdate(value, g, m, v, o1, o2, o3, attrs);
    const ops = tf.tidy(() => {
      const gt = tf.tensor(g);
      const m1 = tf.add(tf.mul(tf.tensor(m), 0.9), tf.mul(gt, 1 - 0.9));
      const v1 = tf.add(tf.mul(tf.tensor(v), 0.999), tf.mul(tf.square(gt), 1 - 0.999));
      const mh = tf.div(m1, tf.scalar(attrs.correction1));
      const vh = tf.div(v1, tf.scalar(attrs.correction2));
      const step = tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), 1e-7)), -0.01);
      return [tf.add(step, tf.tensor(value)), m1, v1].map((t) => Array.from(t.dataSync()));
    });
    expect([Array.from(o1), Array.from(o2), Array.from(o3)]).toEqual(ops);
  });
});

describe('sums over leading axes', () => {
  it('equal a sequential float32 sum, bit for bit', () => {
    const cases: [number[], number[], boolean][] = [
      [[128, 14, 14, 32], [0, 1, 2], false],
      [[64, 3072], [0], false],
      [[50, 7, 6], [0, 1], true],
      [[9, 1], [-2], false],
      [[33, 5], [0], true],
    ];
    for (const [shape, axes, keepDims] of cases) {
      const x = random(shape, shape.length);
      const got = tf.sum(x, axes, keepDims);
      const rank = shape.length;
      const lead = axes.map((a) => (a < 0 ? a + rank : a)).length;
      const rows = shape.slice(0, lead).reduce((a, b) => a * b, 1);
      const cols = shape.slice(lead).reduce((a, b) => a * b, 1);
      const xs = x.dataSync();
      const expected = new Float32Array(cols);
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s = Math.fround(s + xs[i * cols + j]);
        expected[j] = s;
      }
      const kept = shape.slice(lead);
      expect(got.shape).toEqual(keepDims ? [...shape.slice(0, lead).map(() => 1), ...kept] : kept);
      expect(bits(got)).toEqual(Array.from(new Uint32Array(expected.buffer)));
      // tfjs-wasm's own Sum of the transposed tensor (its innermost axes) adds in the same order.
      const perm = [...shape.keys()].slice(lead).concat([...shape.keys()].slice(0, lead));
      const stock = tf.sum(tf.reshape(tf.transpose(x, perm), [cols, rows]), 1);
      expect(bits(got)).toEqual(bits(stock));
      tf.dispose([x, got, stock]);
    }
  });

  it('leaves other reductions to tfjs-wasm', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(tf.sum(x, 1).dataSync())).toEqual([6, 15]);
    expect(tf.sum(x).dataSync()[0]).toBe(21);
    expect(Array.from(tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync())).toEqual([
      4, 6,
    ]);
    x.dispose();
  });
});

describe('ReLU’s gradient', () => {
  it('is dy·step(x) bit for bit, −0 and a tail of 3 included', () => {
    const x = tf.tensor1d([-1, 0, 2, 3, -0, 5, 1e-30, -1e-30, 0.5, -2, 4]);
    const w = tf.tensor1d([2, -3, -4, 5, 6, -7, 8, 9, -10, -11, 12]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)))(x);
    const expected = tf.mul(w, tf.cast(tf.step(x), 'float32'));
    expect(bits(g)).toEqual(bits(expected));
    expect(Object.is(g.dataSync()[0], -0)).toBe(false);
    expect(Object.is(g.dataSync()[1], -0)).toBe(true);
    const big = random([128, 14, 14, 32], 9);
    const dy = random([128, 14, 14, 32], 10);
    const [gBig] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), dy)))([big]);
    expect(bits(gBig)).toEqual(bits(tf.mul(dy, tf.cast(tf.step(big), 'float32'))));
    tf.dispose([x, w, g, expected, big, dy, gBig]);
  });
});

describe('relu(x + bias) in one kernel', () => {
  it('equals tfjs’ Add then Relu, value and gradients, bit for bit', () => {
    for (const shape of [
      [64, 16, 16, 32],
      [128, 3136],
      [5, 6],
    ]) {
      const x = random(shape, 21);
      const bias = random([shape[shape.length - 1]], 22);
      const dy = random(shape, 23);
      const loss = (f: (x: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a, b), dy));
      const fused = (a: tf.Tensor, b: tf.Tensor) => biasRelu(a, b);
      const plain = (a: tf.Tensor, b: tf.Tensor) => tf.relu(tf.add(a, b));
      expect(bits(fused(x, bias))).toEqual(bits(plain(x, bias)));
      const got = tf.grads(loss(fused))([x, bias]);
      const expected = tf.grads(loss(plain))([x, bias]);
      expect(bits(got[0])).toEqual(bits(expected[0]));
      expect(bits(got[1])).toEqual(bits(expected[1]));
      // Only the bias's gradient wanted (a first layer's input needs none).
      const [onlyBias] = tf.grads((b: tf.Tensor) => loss(fused)(x, b))([bias]);
      expect(bits(onlyBias)).toEqual(bits(expected[1]));
      tf.dispose([x, bias, dy, ...got, ...expected, onlyBias]);
    }
  });
});
