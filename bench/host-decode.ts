/**
 * Decode latency while a model trains: the round trip of a `decode` request (a slider drag) from
 * the window's side to the inference host and back, for the reference MLP decoder
 * (784-512-Z-512-784) on MNIST, with and without a training job running in its own process, over
 * the supervisor's direct path (Electron main's path, minus IPC) and over `serve`'s WebSocket.
 * The decoder is the job's own model, so the host reloads its weights meanwhile (each epoch's
 * checkpoint, and mid-epoch snapshots every 10 s): the `reloads` column counts them.
 *
 *   npx tsx bench/host-decode.ts [--latent 16] [--requests 300] [--limit 20000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import type { AtlasApi } from '../src-main/api/atlas-api';
import { createAtlasApi } from '../src-main/api/atlas-api';
import { connectAtlas, type WebSocketFactory } from '../src-main/api/client-ws';
import { startServer } from '../src-main/server';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LATENT = arg('latent', 16);
const REQUESTS = arg('requests', 300);
const LIMIT = arg('limit', 20_000);
/** Pause between drags: a pointer reports about every 16 ms. */
const GAP_MS = 16;

interface Figures {
  case: string;
  n: number;
  batch: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  reloads: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(
  label: string,
  api: AtlasApi,
  modelId: string,
  batch: number,
  reloads: () => number,
): Promise<Figures> {
  const z = new Float32Array(batch * LATENT);
  for (let i = 0; i < 10; i++) await api.decode({ modelId, z, n: batch });
  const times: number[] = [];
  const before = reloads();
  for (let i = 0; i < REQUESTS; i++) {
    for (let j = 0; j < z.length; j++) z[j] = Math.sin(i * 0.1 + j) * 2; // a drag along a direction
    const t0 = performance.now();
    const { images } = await api.decode({ modelId, z, n: batch });
    times.push(performance.now() - t0);
    if (images.length !== batch * 784) throw new Error('wrong image size');
    await sleep(GAP_MS);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    case: label,
    n: times.length,
    batch,
    p50: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted.at(-1)!),
    mean: round(times.reduce((a, b) => a + b, 0) / times.length),
    reloads: reloads() - before,
  };
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-'));
const server = await startServer({
  libraryDir: path.join(scratch, 'library'),
  demoDir: null,
  rendererDir: scratch,
  warn: () => {},
});
const direct = createAtlasApi(server.supervisor.invoke, server.supervisor.subscribe);
const socket = await connectAtlas({
  url: `ws://127.0.0.1:${server.port}/atlas?token=${server.token}`,
  WebSocket: WebSocket as unknown as WebSocketFactory,
});
// Every new checkpoint or mid-epoch snapshot makes the inference host reload the model.
let reloadCount = 0;
const refresh = server.supervisor.inference.refresh.bind(server.supervisor.inference);
server.supervisor.inference.refresh = (modelId: string) => {
  reloadCount++;
  refresh(modelId);
};
let epochs = 0;
direct.on('trainingEpoch', (e) => {
  epochs = e.epoch;
  console.error(
    `  training: epoch ${e.epoch} done in ${e.seconds.toFixed(1)} s (${Math.round(e.samplesPerSecond)} items/s), test ELBO ${(e.test.elbo ?? NaN).toFixed(1)}`,
  );
});

try {
  const info = await direct.info();
  console.error(
    `backend: ${info.backend.backend}; cores: ${os.cpus().length}; MNIST limit ${LIMIT}; decoder 784-512-${LATENT}-512-784`,
  );
  const { job } = await direct.startTraining({
    name: 'bench',
    dataset: { spec: 'mnist', options: { limit: LIMIT } },
    model: {
      inputShape: [28, 28, 1],
      latent: { kind: 'gaussian', dim: LATENT },
      objective: { kind: 'kl', weight: 1 },
      net: { kind: 'mlp', hidden: [512] },
      likelihood: 'bernoulli',
    },
    train: { epochs: 1000, batchSize: 128 },
    latentLimit: 10_000,
  });
  let state = '';
  direct.on('jobChanged', (e) => {
    if (e.job.jobId === job.jobId) state = e.job.state;
  });
  while (state !== 'running') {
    if (state === 'failed') throw new Error('training failed to start');
    await sleep(50);
  }
  const results: Figures[] = [];
  const reloads = () => reloadCount;
  for (const batch of [1, 64]) {
    results.push(await measure('training, direct', direct, job.modelId, batch, reloads));
    results.push(await measure('training, WebSocket', socket, job.modelId, batch, reloads));
  }
  const trainedEpochs = epochs;
  await direct.cancelTraining({ jobId: job.jobId });
  for (const batch of [1, 64]) {
    results.push(await measure('idle, direct', direct, job.modelId, batch, reloads));
    results.push(await measure('idle, WebSocket', socket, job.modelId, batch, reloads));
  }
  console.log(
    `\ndecode round trip (ms), ${REQUESTS} requests each, one every ~${GAP_MS} ms; training ran ${trainedEpochs} epochs meanwhile`,
  );
  console.table(results);
  const worst = Math.max(...results.filter((r) => r.batch === 1).map((r) => r.p95));
  console.log(
    `p95 of single-vector decodes, worst case: ${worst} ms (goal ≤ 50 ms): ${worst <= 50 ? 'met' : 'NOT met'}`,
  );
  mkdirSync(path.join('bench', 'results'), { recursive: true });
  writeFileSync(
    path.join('bench', 'results', 'host-decode.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        backend: info.backend.backend,
        cores: os.cpus().length,
        latent: LATENT,
        results,
      },
      null,
      1,
    ),
  );
} finally {
  socket.close();
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
}
