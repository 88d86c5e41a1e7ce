// Engine benchmark: training throughput of the reference net (MLP 784-512-Z-512-784, batch 128)
// at Z = 2 and 16, against a naive tfjs-wasm loop measured in the same run; encode throughput;
// single-image decode latency. Prints figures; asserts nothing.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { initBackend } from '../src-main/engine/backend';
import { openDataset } from '../src-main/engine/data/registry';
import { Vae } from '../src-main/engine/model';
import { Trainer } from '../src-main/engine/train';
import { percentile, printTable } from './report';

const quick = process.argv.includes('--quick');
const items = quick ? 3840 : 12800;
const report = await initBackend();
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

for (const z of [2, 16]) {
  const vae = Vae.create({
    inputShape: [28, 28, 1],
    latent: { kind: 'gaussian', dim: z },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'mlp', hidden: [512] },
    likelihood: 'bernoulli',
  });
  // Epoch 1 warms up (kernels, allocations); epoch 2 is timed.
  const trainer = new Trainer(vae, data, { epochs: 2, batchSize: 128 });
  const result = await trainer.run();
  const sps = result.history[1].samplesPerSecond;
  const baseline = naive(z);
  rows.push([
    `train Z=${z} (samples/s)`,
    Math.round(sps),
    baseline ? Math.round(baseline) : 'n/a',
    baseline ? `${(sps / baseline).toFixed(1)}×` : '',
  ]);

  if (z === 16) {
    const n = data.train.count;
    const x = data.train.batch(Array.from({ length: n }, (_, i) => i));
    vae.encode(x.subarray(0, 784 * 1024), 1024);
    const t = performance.now();
    vae.encode(x, n);
    rows.push(['encode (items/s)', Math.round(n / ((performance.now() - t) / 1000)), '', '']);
    const z1 = new Float32Array(z);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      z1[i % z] = Math.sin(i);
      const t0 = performance.now();
      vae.decode(z1, 1);
      times.push(performance.now() - t0);
    }
    rows.push(['decode 1 image p50 (ms)', percentile(times.slice(50), 50).toFixed(2), '', '']);
    rows.push(['decode 1 image p95 (ms)', percentile(times.slice(50), 95).toFixed(2), '', '']);
  }
  vae.dispose();
  trainer.dispose();
}
console.log(`backend: ${report.backend}${quick ? ' (quick)' : ''}`);
printTable(['engine', 'latent-atlas', 'naive tfjs', 'ratio'], rows);
