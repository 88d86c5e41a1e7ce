// Per-kernel profile of one conv-VAE training step on the chosen backend (wasm by default):
// forward (loss), backward (every gradient kernel), and Adam's update, each timed with tf.profile
// after warm-up steps, with every large matrix product on all cores (kernels/gemm-threads.ts, its
// choice by measured times turned off) and on one thread, side by side; then every product of the
// step both ways, and the whole step's median three ways, alternating (so a burst of someone else's
// work does not land on one side only): products on all cores, each shape choosing one thread or
// several by its measured times (the default), and on one thread.
// `npx tsx bench/conv-profile.ts [H C B]` (default 32 3 64); also `npm run bench -- engine
// --profile`. Prints figures; asserts nothing.
import { initBackend } from '../src-main/engine/backend';
import { Vae } from '../src-main/engine/model/model';
import { tf } from '../src-main/engine/tf';
import { FusedAdam } from '../src-main/engine/training/fused-adam';
import {
  gemmThreads,
  gemmThreadsReady,
  setAdaptiveThreads,
  setGemmThreads,
  threadedProducts,
} from '../src-main/engine/kernels/gemm-threads';
import { printTable } from './report';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [h, c, batch] = [Number(args[0] ?? 32), Number(args[1] ?? 3), Number(args[2] ?? 64)];
const report = await initBackend({ prefer: 'wasm' });
const threads = gemmThreads();
const ready = await gemmThreadsReady();

const vae = Vae.create({
  inputShape: [h, h, c],
  latent: { kind: 'gaussian', dim: 8 },
  objective: { kind: 'kl', weight: 1 },
  net: { kind: 'conv', channels: [32, 64], convDense: 256 },
  likelihood: 'bernoulli',
});
const vars = vae.trainableVariables();
const optimizer = new FusedAdam(1e-3);
const x = tf.tidy(() => tf.randomUniform([batch, h * h * c], 0, 1, 'float32', 1)) as tf.Tensor2D;

function step(i: number): void {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => vae.lossTerms(x, i, 7).loss, vars);
    value.dataSync();
    optimizer.applyGradients(grads as never);
  });
}
// Warm-up: kernels, allocations, and (four steps) each product shape's timings of both ways.
for (let i = 0; i < 4; i++) step(i);

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
const msOf = (k: { kernelTimeMs: unknown }) =>
  typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
function group(kernels: Kernel[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const k of kernels) {
    const row = rows.get(k.name) ?? { name: k.name, ms: 0, calls: 0, shapes: '' };
    row.ms += msOf(k);
    row.calls++;
    if (!row.shapes) row.shapes = k.inputShapes.map((s) => `[${s.join('×')}]`).join(' ');
    rows.set(k.name, row);
  }
  return rows;
}
const sum = (ks: { kernelTimeMs: unknown }[]) => ks.reduce((s, k) => s + msOf(k), 0);

interface Phases {
  /** [phase, kernels, wall ms] */
  phases: [string, Kernel[], number][];
  products: Kernel[];
}

/** One profiled step (forward alone, forward + backward, Adam) with `n` threads for products. */
async function profile(n: number): Promise<Phases> {
  setGemmThreads(n);
  // tf.profile returns the engine's one profile object: copy its kernel list after every call.
  const t0 = performance.now();
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
  return {
    phases: [
      ['forward', fwd, t1 - t0],
      ['backward', backward, t2 - t1 - (t1 - t0)],
      ['adam', adam, t3 - t2],
    ],
    products: [...fwd, ...backward].filter((k) => k.name === 'BatchMatMul'),
  };
}

const sharedBefore = threadedProducts();
setAdaptiveThreads(false);
const many = await profile(threads);
setAdaptiveThreads(true);
const shared = threadedProducts() - sharedBefore;
const one = await profile(1);

console.log(
  `conv VAE ${h}×${h}×${c}, batch ${batch}, channels 32,64, dense 256, Z = 8; backend ${report.backend}; ` +
    `products on ${threads} threads${ready ? '' : ' (workers not ready: one thread)'} and on 1; ` +
    `${shared} of ${many.products.length} products shared`,
);
const manyLabel = `ms (${threads} thr.)`;
for (let p = 0; p < many.phases.length; p++) {
  const [phase, kernels, wall] = many.phases[p];
  const [, kernels1, wall1] = one.phases[p];
  console.log(
    `\n${phase}: kernels ${sum(kernels).toFixed(1)} ms (${kernels.length} calls), wall ≈ ${wall.toFixed(1)} ms; ` +
      `one thread: kernels ${sum(kernels1).toFixed(1)} ms, wall ≈ ${wall1.toFixed(1)} ms`,
  );
  const rows1 = group(kernels1);
  printTable(
    ['kernel', manyLabel, 'ms (1 thr.)', 'calls', 'first call inputs'],
    [...group(kernels).values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 14)
      .map((r) => [
        r.name,
        r.ms.toFixed(2),
        (rows1.get(r.name)?.ms ?? NaN).toFixed(2),
        r.calls,
        r.shapes.slice(0, 60),
      ]),
  );
}
// Every matrix product of the step, with its rate: the floor the rest of the step sits on.
console.log('\nmatrix products (forward, then backward):');
const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);
printTable(
  ['a', 'b', manyLabel, 'ms (1 thr.)', 'GFLOP/s', 'GFLOP/s (1)', 'speed-up'],
  many.products.map((k, i) => {
    const [a, b] = k.inputShapes;
    // |a|·|b| = m·k·k·n and |out| = m·n, whichever operands are transposed.
    const out = size(k.outputShapes[0]);
    const flops = 2 * out * Math.sqrt((size(a) * size(b)) / out);
    const [ms, ms1] = [msOf(k), msOf(one.products[i] ?? {})];
    return [
      `[${a.join('×')}]`,
      `[${b.join('×')}]`,
      ms.toFixed(2),
      ms1.toFixed(2),
      (flops / ms / 1e6).toFixed(1),
      (flops / ms1 / 1e6).toFixed(1),
      `${(ms1 / ms).toFixed(2)}×`,
    ];
  }),
);
console.log(
  `all products: ${sum(many.products).toFixed(1)} ms on ${threads} threads, ${sum(one.products).toFixed(1)} ms on 1`,
);
// Wall time of a whole step (variableGrads + Adam, with tidy), unprofiled, alternating.
const sides = [
  ['all cores', threads, false],
  ['chosen by time', threads, true],
  ['one thread', 1, true],
] as const;
const times: number[][] = sides.map(() => []);
for (let i = 0; i < 7; i++) {
  sides.forEach(([, n, adaptive], s) => {
    setGemmThreads(n);
    setAdaptiveThreads(adaptive);
    const t = performance.now();
    step(10 + i);
    times[s].push(performance.now() - t);
  });
}
setGemmThreads(threads);
setAdaptiveThreads(true);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
sides.forEach(([name, n], s) => {
  const ms = median(times[s]);
  console.log(
    `whole step, products on ${n === 1 ? '1 thread' : `${n} threads, ${name}`} (median of 7): ${ms.toFixed(1)} ms = ${Math.round((batch * 1000) / ms)} samples/s`,
  );
});
