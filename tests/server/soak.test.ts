import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AtlasWsClient } from '../../src-main/api/client-ws';
import { defaultDemoDir } from '../../src-main/host/library/paths';
import { goodClient } from './raw-client';

/**
 * Soak: 200 clients on loopback issue decodes and item requests back to back for 60 s
 * (LATENT_ATLAS_SOAK_SECONDS shortens it while working on this file), against the real engine
 * and the shapes demo model. `serve` runs in a child process so its memory is its own: the test
 * asserts that a well-behaved probe client is answered throughout, and that after the clients
 * leave the server's live memory (V8 heap + buffers, after a full collection) is back within 10 %
 * of what it was before them. It stops by itself and prints the figures.
 */

const CLIENTS = 200;
const SECONDS = Number(process.env.LATENT_ATLAS_SOAK_SECONDS ?? 60);
const PROBE_EVERY_MS = 250;
/** The probe must be answered in every window this long: "throughout". */
const WINDOW_S = 10;
/** No probe may wait longer (200 requests queue ahead of it on a shared 2-core machine). */
const PROBE_MAX_MS = 15_000;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** The server's open sockets when measured. */
  connections: number;
}

let root: string;
let child: ChildProcess;
let port: number;
let token: string;

function request<T>(message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      child.off('message', onMessage);
      resolve(m[key] as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'atlas-soak-'));
  const demo = path.join(root, 'demo');
  cpSync(path.join(defaultDemoDir(), 'shapes-gaussian-6'), path.join(demo, 'shapes-gaussian-6'), {
    recursive: true,
  });
  const tsx = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const here = path.dirname(fileURLToPath(import.meta.url));
  child = fork(path.join(here, 'fixtures', 'soak-server.ts'), [path.join(root, 'library'), demo], {
    execArgv: ['--expose-gc', '--import', pathToFileURL(path.join(tsx, 'dist', 'loader.mjs')).href],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  ({ port, token } = await request<{ port: number; token: string }>('', 'ready'));
});
afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((r) => child.once('exit', r));
    child.send('close');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  child?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const live = (m: Memory) => m.heapUsed + m.external;

it(`answers a well-behaved client throughout ${CLIENTS} clients × ${SECONDS} s of decodes and items, and gives its memory back`, async () => {
  const control = await goodClient(port, token);
  const { models } = await control.listModels();
  const modelId = models.find((m) => m.modelId.startsWith('shapes'))!.modelId;
  const { model } = await control.openModel({ modelId });
  const dim = model.latent.dim;
  const random = (n: number) => Float32Array.from({ length: n * dim }, () => Math.random() * 2 - 1);
  const decode = (api: AtlasWsClient, n: number) => api.decode({ modelId, z: random(n), n });
  const items = (api: AtlasWsClient, n: number) =>
    api.items({
      modelId,
      split: 'train',
      indices: Int32Array.from({ length: n }, () => Math.floor(Math.random() * 100)),
    });

  /** `clients` clients, each asking back to back until `until`; latencies in ms. */
  async function load(clients: number, until: () => boolean) {
    const latencies: number[] = [];
    const errors: string[] = [];
    const perClient = new Array<number>(clients).fill(0);
    const sockets = await Promise.all(
      Array.from({ length: clients }, () => goodClient(port, token)),
    );
    await Promise.all(
      sockets.map(async (api, c) => {
        for (let i = c; !until(); i++) {
          const t0 = performance.now();
          try {
            await (i % 2 ? decode(api, 1 + (i % 4)) : items(api, 1 + (i % 8)));
            latencies.push(performance.now() - t0);
            perClient[c]++;
          } catch (err) {
            errors.push((err as Error).message);
          }
        }
      }),
    );
    for (const api of sockets) api.close();
    return { latencies, errors, perClient };
  }

  // Warm-up (code paths compiled, dataset cached), then the baseline with nobody connected but the probe.
  let warm = 0;
  await load(20, () => ++warm > 200);
  await new Promise((r) => setTimeout(r, 1_000));
  const before = await request<Memory>('memory', 'memory');

  const probe = await goodClient(port, token);
  const probeLatencies: number[] = [];
  /** Seconds into the soak at which each probe reply came. */
  const probeAnswers: number[] = [];
  const probeFailures: string[] = [];
  const t0 = Date.now();
  const deadline = t0 + SECONDS * 1_000;
  const probing = (async () => {
    while (Date.now() < deadline) {
      const start = performance.now();
      try {
        const r = await decode(probe, 1);
        expect(r.n).toBe(1);
        probeLatencies.push(performance.now() - start);
        probeAnswers.push((Date.now() - t0) / 1000);
      } catch (err) {
        probeFailures.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  })();
  const { latencies, errors, perClient } = await load(CLIENTS, () => Date.now() >= deadline);
  await probing;
  probe.close();
  control.close();
  const seconds = (Date.now() - t0) / 1000;

  // The clients are gone: measure once the server has closed every socket and settled.
  let after = await request<Memory>('memory', 'memory');
  for (let i = 0; i < 20 && after.connections > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    after = await request<Memory>('memory', 'memory');
  }
  await new Promise((r) => setTimeout(r, 1_000));
  after = await request<Memory>('memory', 'memory');
  expect(after.connections).toBe(0);

  latencies.sort((a, b) => a - b);
  probeLatencies.sort((a, b) => a - b);
  const change = live(after) / live(before) - 1;
  console.log(
    [
      `serve soak: ${CLIENTS} clients for ${seconds.toFixed(1)} s on loopback`,
      `  requests served: ${latencies.length} (${(latencies.length / seconds).toFixed(0)}/s), errors: ${errors.length}, fewest for one client: ${Math.min(...perClient)}`,
      `  latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${latencies.at(-1)!.toFixed(1)}`,
      `  probe: ${probeLatencies.length} answered, ${probeFailures.length} failed, p95 ${percentile(probeLatencies, 95).toFixed(1)} ms, max ${probeLatencies.at(-1)!.toFixed(1)} ms`,
      `  memory before: heap ${mib(before.heapUsed)} + external ${mib(before.external)} = ${mib(live(before))}, rss ${mib(before.rss)}`,
      `  memory after:  heap ${mib(after.heapUsed)} + external ${mib(after.external)} = ${mib(live(after))}, rss ${mib(after.rss)}`,
      `  live memory change: ${(change * 100).toFixed(1)} %`,
    ].join('\n'),
  );

  expect(errors.slice(0, 5)).toEqual([]);
  expect(probeFailures).toEqual([]);
  // Answered throughout: in every window, and never after an unbounded wait.
  for (let w = 0; w + WINDOW_S <= SECONDS; w += WINDOW_S) {
    expect(
      probeAnswers.some((t) => t >= w && t < w + WINDOW_S),
      `probe answered ${w}–${w + WINDOW_S} s`,
    ).toBe(true);
  }
  expect(probeLatencies.at(-1)!).toBeLessThan(PROBE_MAX_MS);
  // Every one of the 200 was served, not just the first to connect.
  expect(Math.min(...perClient)).toBeGreaterThan(0);
  // Live memory (what a leak would grow) back within 10 % once the clients are gone.
  expect(Math.abs(change)).toBeLessThan(0.1);
});
