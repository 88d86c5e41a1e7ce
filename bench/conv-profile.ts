// Per-kernel profile of one conv-VAE training step on the chosen backend (wasm by default):
// forward (loss), backward (every gradient kernel), and Adam's update, each timed with tf.profile
// after two warm-up steps. `npx tsx bench/conv-profile.ts [H C B]` (default 32 3 64); also
// `npm run bench -- engine --profile`. Prints figures; asserts nothing.
import { initBackend } from '../src-main/engine/backend';
import { Vae } from '../src-main/engine/model/model';
import { tf } from '../src-main/engine/tf';
import { printTable } from './report';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [h, c, batch] = [Number(args[0] ?? 32), Number(args[1] ?? 3), Number(args[2] ?? 64)];
const report = await initBackend({ prefer: 'wasm' });

const vae = Vae.create({
  inputShape: [h, h, c],
  latent: { kind: 'gaussian', dim: 8 },
  objective: { kind: 'kl', weight: 1 },
  net: { kind: 'conv', channels: [32, 64], convDense: 256 },
  likelihood: 'bernoulli',
});
const vars = vae.trainableVariables();
const optimizer = tf.train.adam(1e-3);
const x = tf.tidy(() => tf.randomUniform([batch, h * h * c], 0, 1, 'float32', 1)) as tf.Tensor2D;

function step(i: number): void {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => vae.lossTerms(x, i, 7).loss, vars);
    value.dataSync();
    optimizer.applyGradients(grads as never);
  });
}
for (let i = 0; i < 2; i++) step(i);

interface Kernel {
  name: string;
  kernelTimeMs: unknown;
  inputShapes: number[][];
  outputShapes: number[][];
}
interface Row {
  name: string;
  ms: number;
  calls: number;
  shapes: string;
}
function group(kernels: Kernel[]): Row[] {
  const rows = new Map<string, Row>();
  for (const k of kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const row = rows.get(k.name) ?? { name: k.name, ms: 0, calls: 0, shapes: '' };
    row.ms += ms;
    row.calls++;
    if (!row.shapes) row.shapes = k.inputShapes.map((s) => `[${s.join('×')}]`).join(' ');
    rows.set(k.name, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

// Forward alone, then forward + backward (the gradient kernels are the difference), then Adam.
const t0 = performance.now();
// tf.profile returns the engine's one profile object: copy its kernel list after every call.
const fwd = [
  ...(
    await tf.profile(() => {
      tf.tidy(() => vae.lossTerms(x, 3, 7).loss.dataSync());
    })
  ).kernels,
];
const t1 = performance.now();
let grads: tf.NamedTensorMap = {};
const both = [
  ...(
    await tf.profile(() => {
      const out = tf.variableGrads(() => vae.lossTerms(x, 3, 7).loss, vars);
      out.value.dataSync();
      grads = out.grads;
      out.value.dispose();
    })
  ).kernels,
];
const t2 = performance.now();
const adam = [
  ...(
    await tf.profile(() => {
      optimizer.applyGradients(grads as never);
    })
  ).kernels,
];
const t3 = performance.now();
Object.values(grads).forEach((g) => g.dispose());

// Backward kernels: those of the second profile beyond the forward's (same order, same kernels).
const backward = both.slice(fwd.length);
const sum = (ks: { kernelTimeMs: unknown }[]) =>
  ks.reduce((s, k) => s + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0), 0);

console.log(
  `conv VAE ${h}×${h}×${c}, batch ${batch}, channels 32,64, dense 256, Z = 8; backend ${report.backend}`,
);
const phases: [string, Kernel[], number][] = [
  ['forward', fwd, t1 - t0],
  ['backward', backward, t2 - t1 - (t1 - t0)],
  ['adam', adam, t3 - t2],
];
for (const [phase, kernels, wall] of phases) {
  console.log(
    `\n${phase}: kernels ${sum(kernels).toFixed(1)} ms (${kernels.length} calls), wall ≈ ${wall.toFixed(1)} ms`,
  );
  printTable(
    ['kernel', 'ms', 'calls', 'first call inputs'],
    group(kernels)
      .slice(0, 14)
      .map((r) => [r.name, r.ms.toFixed(2), r.calls, r.shapes.slice(0, 60)]),
  );
}
// Every matrix product of the step, with its rate: the floor the rest of the step sits on.
const products = [...fwd, ...backward].filter((k) => k.name === 'BatchMatMul');
console.log('\nmatrix products (forward, then backward):');
printTable(
  ['a', 'b', 'ms', 'GFLOP/s'],
  products.map((k) => {
    const [a, b] = k.inputShapes;
    // |a|·|b| = m·k·k·n and |out| = m·n, whichever operands are transposed.
    const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);
    const out = size(k.outputShapes[0]);
    const flops = 2 * out * Math.sqrt((size(a) * size(b)) / out);
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN;
    return [`[${a.join('×')}]`, `[${b.join('×')}]`, ms.toFixed(2), (flops / ms / 1e6).toFixed(1)];
  }),
);
// Wall time of a whole step (variableGrads + Adam, with tidy), unprofiled.
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  step(10 + i);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(
  `\nwhole step (median of 5): ${times[2].toFixed(1)} ms = ${Math.round((batch * 1000) / times[2])} samples/s`,
);
