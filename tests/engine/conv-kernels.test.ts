import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { Vae } from '../../src-main/engine/model/model';
import { tf } from '../../src-main/engine/tf';
import { mulberry32 } from '../../src-main/shared/random';
import { col2im, im2col, patchRows, patchWidth } from '../../src-main/engine/nets/im2col';
import {
  conv2dByPatches,
  col2imOp,
  conv2dTransposeByPatches,
  im2colOp,
  patchGeometry,
  setWasmPatchKernels,
} from '../../src-main/engine/nets/conv-kernels';
import { setPatchConvolutions } from '../../src-main/engine/nets/forward';
import { fastProduct, setFastMatMul } from '../../src-main/engine/kernels/fast-matmul';
import { FusedAdam } from '../../src-main/engine/training/fused-adam';
import { random } from './tensors';

// The wasm backend, where the im2col convolutions and the SIMD matMul run; the references are
// tfjs' own conv2d / conv2dTranspose / matMul kernels (with fast-gradients.ts' filter gradient).
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterEach(() => setFastMatMul(true));

function maxRelativeError(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  let scale = 0;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(x[i] - y[i]));
  return err / Math.max(scale, 1e-6);
}

/** [input shape, filter shape, strides, padding] */
const CASES: [number[], number[], [number, number], 'same' | 'valid'][] = [
  [[2, 8, 8, 3], [4, 4, 3, 5], [2, 2], 'same'],
  [[3, 28, 28, 1], [4, 4, 1, 8], [2, 2], 'same'],
  [[2, 7, 7, 8], [4, 4, 8, 4], [2, 2], 'same'],
  [[2, 9, 7, 2], [3, 3, 2, 3], [1, 1], 'same'],
  [[1, 10, 9, 3], [3, 2, 3, 2], [2, 3], 'valid'],
];

describe('im2col and col2im', () => {
  it('are adjoint: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩', () => {
    for (const [inShape, filterShape, strides, pad] of CASES) {
      const g = patchGeometry(inShape, filterShape, strides, pad);
      const rng = mulberry32(5);
      const x = Float32Array.from(
        { length: inShape.reduce((a, b) => a * b, 1) },
        () => rng() - 0.5,
      );
      const c = Float32Array.from({ length: patchRows(g) * patchWidth(g) }, () => rng() - 0.5);
      const cols = new Float32Array(c.length);
      const back = new Float32Array(x.length);
      im2col(x, cols, g);
      col2im(c, back, g);
      let left = 0;
      let right = 0;
      for (let i = 0; i < c.length; i++) left += cols[i] * c[i];
      for (let i = 0; i < x.length; i++) right += x[i] * back[i];
      expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.max(1, Math.abs(left)));
    }
  });
});

describe('the WebAssembly im2col and col2im', () => {
  it('match the JavaScript loops, edges included', () => {
    for (const [i, [inShape, filterShape, strides, pad]] of CASES.entries()) {
      const g = patchGeometry(inShape, filterShape, strides, pad);
      const x = random(inShape, 80 + i) as tf.Tensor4D;
      const c = random([patchRows(g), patchWidth(g)], 90 + i) as tf.Tensor2D;
      const wasm = [im2colOp(x, g), col2imOp(c, g)];
      setWasmPatchKernels(false);
      const js = [im2colOp(x, g), col2imOp(c, g)];
      setWasmPatchKernels(true);
      expect(Array.from(wasm[0].dataSync())).toEqual(Array.from(js[0].dataSync()));
      expect(maxRelativeError(wasm[1], js[1])).toBeLessThan(1e-6);
    }
  });
});

describe('convolutions as im2col + matMul', () => {
  it('conv2d matches tfjs, values and gradients', () => {
    for (const [i, [inShape, filterShape, strides, pad]] of CASES.entries()) {
      const x = random(inShape, 10 + i) as tf.Tensor4D;
      const w = random(filterShape, 20 + i) as tf.Tensor4D;
      const reference = tf.conv2d(x, w, strides, pad);
      const ours = conv2dByPatches(x, w, strides, pad);
      expect(maxRelativeError(ours, reference)).toBeLessThan(1e-5);
      const r = random(reference.shape, 30 + i);
      const loss = (f: typeof conv2dByPatches) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), r));
      const [gx, gw] = tf.grads(loss(conv2dByPatches))([x, w]);
      const [rx, rw] = tf.grads(loss(tf.conv2d as typeof conv2dByPatches))([x, w]);
      expect(maxRelativeError(gx, rx)).toBeLessThan(1e-5);
      expect(maxRelativeError(gw, rw)).toBeLessThan(1e-5);
    }
  });

  it('conv2dTranspose matches tfjs, values and gradients', () => {
    for (const [i, [outShape, filterShape, strides, pad]] of CASES.entries()) {
      const g = patchGeometry(outShape, filterShape, strides, pad);
      const [n, , , co] = outShape;
      const ci = filterShape[3];
      const x = random([n, g.outHeight, g.outWidth, ci], 40 + i) as tf.Tensor4D;
      // conv2dTranspose's filter is [kh, kw, out channels, in channels].
      const w = random([filterShape[0], filterShape[1], co, ci], 50 + i) as tf.Tensor4D;
      const shape = outShape as [number, number, number, number];
      const reference = tf.conv2dTranspose(x, w, shape, strides, pad);
      const ours = conv2dTransposeByPatches(x, w, shape, strides, pad);
      expect(maxRelativeError(ours, reference)).toBeLessThan(1e-5);
      const r = random(shape, 60 + i);
      const ref = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, shape, strides, pad), r),
        );
      const fast = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.mul(
            conv2dTransposeByPatches(a as tf.Tensor4D, b as tf.Tensor4D, shape, strides, pad),
            r,
          ),
        );
      const [gx, gw] = tf.grads(fast)([x, w]);
      const [rx, rw] = tf.grads(ref)([x, w]);
      expect(maxRelativeError(gx, rx)).toBeLessThan(1e-5);
      expect(maxRelativeError(gw, rw)).toBeLessThan(1e-5);
    }
  });

  it('have filter gradients that agree with finite differences', () => {
    const x = random([1, 6, 6, 2], 70) as tf.Tensor4D;
    const w = tf.variable(random([4, 4, 2, 3], 71));
    const r = random([1, 3, 3, 3], 72);
    const f = () => tf.sum(tf.mul(conv2dByPatches(x, w as tf.Tensor4D, [2, 2], 'same'), r));
    const g = tf.variableGrads(f as () => tf.Scalar, [w]).grads[w.name].dataSync();
    const base = w.dataSync().slice();
    for (const i of [0, 7, 40, 95]) {
      const at = (d: number) => {
        const v = base.slice();
        v[i] += d;
        w.assign(tf.tensor(v, w.shape));
        return (f() as tf.Scalar).dataSync()[0];
      };
      const fd = (at(1e-2) - at(-1e-2)) / 2e-2;
      expect(Math.abs(g[i] - fd)).toBeLessThan(1e-2 * Math.max(1, Math.abs(fd)));
    }
    w.assign(tf.tensor(base, w.shape));
  });
});

describe('the SIMD matMul', () => {
  it('matches the stock kernel with and without transposes, and leaves odd shapes to it', () => {
    const shapes: [number, number, number][] = [
      [4, 1, 8],
      [12, 37, 16],
      [132, 300, 40],
      [8, 520, 24],
    ];
    for (const [m, k, n] of shapes) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const a = random(ta ? [k, m] : [m, k], m + k);
        const b = random(tb ? [n, k] : [k, n], k + n);
        expect(fastProduct(a.shape, b.shape, ta, tb)).not.toBeNull();
        const ours = tf.matMul(a, b, ta, tb);
        setFastMatMul(false);
        // The stock kernel's transposed forms sum in another order: compare with plain products.
        const reference = tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b);
        setFastMatMul(true);
        expect(maxRelativeError(ours, reference)).toBeLessThan(1e-6);
      }
    }
    expect(fastProduct([6, 4], [4, 8])).toBeNull();
    expect(fastProduct([8, 4], [4, 6])).toBeNull();
    expect(fastProduct([2, 8, 4], [2, 4, 8])).toBeNull();
    const odd = tf.matMul(random([5, 3], 1), random([3, 7], 2));
    expect(odd.shape).toEqual([5, 7]);
  });
});

describe('conv VAE training on the fast path', () => {
  // Losses of six Adam steps (lr 1e-2) on a fixed batch and seed, recorded from the code before the
  // im2col convolutions and the SIMD matMul (tfjs' conv kernels, stock BatchMatMul).
  const RECORDED: [number, number, number, number[]][] = [
    [16, 3, 8, [532.36578, 532.13196, 532.07202, 531.81128, 531.08069, 531.13007]],
    [28, 1, 12, [543.58868, 543.32593, 543.31909, 543.05798, 542.59283, 542.66742]],
  ];

  function losses(h: number, c: number, batch: number, patches: boolean): number[] {
    const vae = Vae.create(
      {
        inputShape: [h, h, c],
        latent: { kind: 'gaussian', dim: 4 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'conv', channels: [8, 16], convDense: 32 },
        likelihood: 'bernoulli',
      },
      3,
    );
    setFastMatMul(patches);
    setPatchConvolutions(patches);
    const vars = vae.trainableVariables();
    const optimizer = patches ? new FusedAdam(1e-2) : tf.train.adam(1e-2);
    const rng = mulberry32(11);
    const x = tf.tensor2d(
      Float32Array.from({ length: batch * h * h * c }, () => rng()),
      [batch, h * h * c],
    );
    const out: number[] = [];
    for (let s = 0; s < 6; s++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => vae.lossTerms(x, s, 100 + s).loss, vars);
        out.push(value.dataSync()[0]);
        optimizer.applyGradients(grads as never);
      });
    }
    setFastMatMul(true);
    setPatchConvolutions(true);
    vae.dispose();
    optimizer.dispose();
    x.dispose();
    return out;
  }

  it('gives the losses of the plain tfjs path and of the old code', () => {
    for (const [h, c, batch, recorded] of RECORDED) {
      const fast = losses(h, c, batch, true);
      const plain = losses(h, c, batch, false);
      for (let s = 0; s < recorded.length; s++) {
        expect(Math.abs(fast[s] - plain[s])).toBeLessThan(2e-5 * Math.abs(plain[s]));
        expect(Math.abs(fast[s] - recorded[s])).toBeLessThan(2e-5 * Math.abs(recorded[s]));
      }
    }
  });
});
