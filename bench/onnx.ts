// ONNX decoders against native ones, where a slider decode can run: single-image decode p50/p95
// and the time of a 64-image decode for
//   - the ONNX MNIST MLP VAE decoder (4-64-784, tests/fixtures/onnx/mlp-nchw) and the ONNX conv
//     decoder (4→1568, two stride-2 transposed convs, tests/fixtures/onnx/conv-nhwc-tanh),
//   - native models of the same size built with Vae.create: an MLP 4-64-784 decoder and a conv
//     decoder 4→32→1568, transposed convs 32→16→1 (untrained: speed does not depend on weights),
// each decoded
//   - in the engine, in this process: OnnxModel.decode (ONNX Runtime for Node, CPU) or Vae.decode
//     (TensorFlow.js on the backend the engine picks),
//   - through the page's `api.decode` round trip (page → serve's WebSocket → inference host → page),
//     from the real app in headless Chromium,
//   - in the page: onnxruntime-web (wasm, one thread, as the app loads it) for the ONNX ones, the
//     MlpDecoder (dense weights) for the native MLP; a native conv decoder never decodes in the page.
// It also prints what the app's own measurement chose for each ONNX model (local-decoder store).
// A page decoder's single decodes are timed in blocks of 5 (Chromium's clock ticks in 0.1 ms in a
// page that is not cross-origin isolated); everything else call by call.
// Prints a table and writes bench/results/onnx.json. Flags: --single=200  --batch-runs=15
// --results=DIR
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { initBackend } from '../src-main/engine/backend';
import { saveCheckpoint } from '../src-main/engine/io/checkpoint';
import { Vae } from '../src-main/engine/model/model';
import { onnxFiles, openOnnx } from '../src-main/engine/onnx/onnx-open';
import { startServer } from '../src-main/server';
import { CHROMIUM, launchChromium } from '../tests/e2e/chromium';
import { percentile, printTable } from './report';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** `--name=value` (what `npm run bench -- onnx --single=50` passes on) or `--name value`. */
const option = (name: string, fallback: string): string => {
  const joined = args.find((a) => a.startsWith(`${name}=`));
  if (joined) return joined.slice(name.length + 1);
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const results = path.resolve(option('--results', path.join(root, 'bench', 'results')));
const SINGLE = Number(option('--single', '200'));
const BATCH_RUNS = Number(option('--batch-runs', '15'));
const BATCH = 64;
/** Single decodes per timed block in the page (its clock ticks in 0.1 ms). */
const BLOCK = 5;
const D = 4;
const FIXTURES = path.join(root, 'tests', 'fixtures', 'onnx');

interface Figures {
  p50: number;
  p95: number;
  /** Median time of one 64-image decode. */
  batch64: number;
}

interface Case {
  id: string;
  label: string;
  kind: 'onnx' | 'native';
}

const CASES: Case[] = [
  { id: 'onnx-mlp', label: 'ONNX MLP 4-64-784', kind: 'onnx' },
  { id: 'onnx-conv', label: 'ONNX conv 4→1568→16→1', kind: 'onnx' },
  { id: 'native-mlp', label: 'native MLP 4-64-784', kind: 'native' },
  { id: 'native-conv', label: 'native conv 4→32→1568→16→1', kind: 'native' },
];

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Latent rows that change from call to call (a drag), n rows of D. */
function latents(call: number, n: number): Float32Array {
  const z = new Float32Array(n * D);
  for (let j = 0; j < z.length; j++) z[j] = Math.sin(call * 0.1 + j) * 2;
  return z;
}

async function time(decode: (z: Float32Array, n: number) => unknown): Promise<Figures> {
  for (let i = 0; i < 20; i++) await decode(latents(i, 1), 1);
  const single: number[] = [];
  for (let i = 0; i < SINGLE; i++) {
    const z = latents(i, 1);
    const t = performance.now();
    await decode(z, 1);
    single.push(performance.now() - t);
  }
  for (let i = 0; i < 3; i++) await decode(latents(i, BATCH), BATCH);
  const batch: number[] = [];
  for (let i = 0; i < BATCH_RUNS; i++) {
    const z = latents(i, BATCH);
    const t = performance.now();
    await decode(z, BATCH);
    batch.push(performance.now() - t);
  }
  return {
    p50: round(percentile(single, 50)),
    p95: round(percentile(single, 95)),
    batch64: round(percentile(batch, 50)),
  };
}

/** The library: copies of the two ONNX fixtures and the two native checkpoints. */
async function library(dir: string): Promise<Map<string, Vae>> {
  for (const [id, fixture] of [
    ['onnx-mlp', 'mlp-nchw'],
    ['onnx-conv', 'conv-nhwc-tanh'],
  ]) {
    mkdirSync(path.join(dir, id), { recursive: true });
    for (const f of ['decoder.onnx', 'encoder.onnx'])
      copyFileSync(path.join(FIXTURES, fixture, f), path.join(dir, id, f));
  }
  const natives = new Map<string, Vae>();
  natives.set(
    'native-mlp',
    Vae.create(
      {
        inputShape: [28, 28, 1],
        latent: { kind: 'gaussian', dim: D },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'mlp', hidden: [64] },
        likelihood: 'bernoulli',
      },
      1,
    ),
  );
  natives.set(
    'native-conv',
    Vae.create(
      {
        inputShape: [28, 28, 1],
        latent: { kind: 'gaussian', dim: D },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'conv', channels: [16, 32], convDense: 32 },
        likelihood: 'bernoulli',
      },
      2,
    ),
  );
  // No data set: the page's first open fails to encode at once and leaves the CPU to the bench.
  for (const [id, vae] of natives)
    await saveCheckpoint(path.join(dir, id), { vae, name: id, withoutOptimizer: true });
  return natives;
}

/** What the page exposes with `?bench=1` (Root.svelte): the parts used here. */
interface BenchApp {
  status: string;
  cloud: { loading: boolean };
  api: { decode(p: { modelId: string; z: Float32Array; n: number }): Promise<unknown> };
  localDecoder: {
    load(id: string): Promise<boolean>;
    settled(): Promise<void>;
    decoder: { decode(z: Float32Array, n: number): Float32Array } | null;
    onnx: { decode(z: Float32Array, n: number): Promise<Float32Array> } | null;
    choice: { chosen: string; page: number | null; engine: number | null; why: string } | null;
    reason: string | null;
  };
}

/**
 * Times `where` ('engine': api.decode; 'page': the page decoder) for model `id` in the page. The
 * callback declares no named function: tsx would wrap it in a helper the page does not have.
 */
async function inPage(
  page: Page,
  id: string,
  where: 'engine' | 'page',
): Promise<{
  figures: Figures | null;
  note: string;
  times: { single: number[]; batch: number[] };
}> {
  const out = await page.evaluate(
    async ({ id, where, SINGLE, BATCH_RUNS, BATCH, D, BLOCK }) => {
      const app = (window as unknown as { __atlas: BenchApp }).__atlas;
      let note = '';
      let decoder: BenchApp['localDecoder']['decoder'] = null;
      let onnx: BenchApp['localDecoder']['onnx'] = null;
      if (where === 'page') {
        await app.localDecoder.load(id);
        await app.localDecoder.settled();
        const { choice, reason } = app.localDecoder;
        ({ decoder, onnx } = app.localDecoder);
        if (choice)
          note = `the app chose the ${choice.chosen} (page ${choice.page?.toFixed(2) ?? '—'} ms, engine ${choice.engine?.toFixed(2) ?? '—'} ms)`;
        if (!onnx && !decoder) return { note: reason ?? 'no page decoder', single: [], batch: [] };
      }
      const single: number[] = [];
      const batch: number[] = [];
      // Chromium's clock ticks in 0.1 ms in a page that is not cross-origin isolated: a page
      // decoder's single decodes are timed in blocks of BLOCK (each block's time / BLOCK counts
      // once); round trips one by one. 20 and 3 untimed decodes first; the latents change on
      // every call (a drag).
      const block = where === 'page' ? BLOCK : 1;
      const singles = Math.ceil(SINGLE / block) * block;
      let t = 0;
      for (let i = 0; i < 20 + singles + 3 + BATCH_RUNS; i++) {
        const timed = i >= 20 && i < 20 + singles;
        const n = i < 20 + singles ? 1 : BATCH;
        const z = new Float32Array(n * D);
        for (let j = 0; j < z.length; j++) z[j] = Math.sin(i * 0.1 + j) * 2;
        if (!timed || (i - 20) % block === 0) t = performance.now();
        if (where === 'engine') await app.api.decode({ modelId: id, z, n });
        else if (onnx) await onnx.decode(z, n);
        else decoder!.decode(z, n);
        if (timed && (i - 20) % block === block - 1) single.push((performance.now() - t) / block);
        if (i >= 20 + singles + 3) batch.push(performance.now() - t);
      }
      return { note, single, batch };
    },
    { id, where, SINGLE, BATCH_RUNS, BATCH, D, BLOCK },
  );
  const figures =
    out.single.length === 0
      ? null
      : {
          p50: round(percentile(out.single, 50)),
          p95: round(percentile(out.single, 95)),
          batch64: round(percentile(out.batch, 50)),
        };
  return { figures, note: out.note, times: { single: out.single, batch: out.batch } };
}

async function main(): Promise<void> {
  mkdirSync(results, { recursive: true });
  const scratch = path.join(os.tmpdir(), `atlas-onnx-bench-${process.pid}`);
  const libraryDir = path.join(scratch, 'library');
  const backend = await initBackend();
  const natives = await library(libraryDir);
  console.log(
    `${os.cpus().length} CPU cores; native models on TensorFlow.js ${backend.backend}; ${SINGLE} single decodes, ${BATCH_RUNS} of ${BATCH} images (medians)`,
  );

  type Row = { model: string; where: string; figures: Figures | null; note: string };
  const rows: Row[] = [];
  const engine = new Map<string, Figures>();
  // 1. The engine in this process.
  for (const c of CASES) {
    let figures: Figures;
    if (c.kind === 'onnx') {
      const files = onnxFiles(path.join(libraryDir, c.id))!;
      const { model } = await openOnnx(files);
      figures = await time((z, n) => model.decode(z, n));
      model.dispose();
    } else {
      const vae = natives.get(c.id)!;
      figures = await time((z, n) => vae.decode(z, n));
    }
    engine.set(c.id, figures);
  }

  // 2. and 3. The page: api.decode round trips and the page's own decoders.
  const page: Map<string, { engine: Row; page: Row }> = new Map();
  let chromium = 'not run';
  if (!existsSync(CHROMIUM)) {
    console.log(`(no Chromium at ${CHROMIUM}: page figures skipped; apt-get install -y chromium)`);
  } else {
    const appDir = path.join(results, 'onnx-app');
    await build({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: appDir, sourcemap: false },
    });
    const server = await startServer({
      libraryDir,
      demoDir: null,
      rendererDir: appDir,
      warn: () => {},
    });
    const browser = await launchChromium({ gl: 'swiftshader' });
    try {
      chromium = browser.version();
      const tab = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      tab.on('pageerror', (e) => console.error('page error:', e.message));
      await tab.goto(`${server.url}&bench=1`);
      await tab.waitForFunction(
        () => (window as unknown as { __atlas?: BenchApp }).__atlas?.status === 'ready',
        undefined,
        { timeout: 60_000 },
      );
      // Let the first open (which cannot encode: no data set) pass.
      await tab.waitForFunction(
        () => !(window as unknown as { __atlas: BenchApp }).__atlas.cloud.loading,
        undefined,
        { timeout: 60_000 },
      );
      await tab.waitForTimeout(2000);
      for (const c of CASES) {
        const viaApi = await inPage(tab, c.id, 'engine');
        const own = await inPage(tab, c.id, 'page');
        page.set(c.id, {
          engine: { model: c.label, where: '', figures: viaApi.figures, note: viaApi.note },
          page: { model: c.label, where: '', figures: own.figures, note: own.note },
        });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }
  rmSync(scratch, { recursive: true, force: true });

  const pageRuntime = (c: Case) =>
    c.kind === 'onnx' ? 'page: onnxruntime-web (wasm, 1 thread)' : 'page: MlpDecoder (dense)';
  for (const c of CASES) {
    rows.push({
      model: c.label,
      where:
        c.kind === 'onnx'
          ? 'engine in-process: ONNX Runtime Node'
          : `engine in-process: tfjs ${backend.backend}`,
      figures: engine.get(c.id)!,
      note: '',
    });
    const p = page.get(c.id);
    if (!p) continue;
    rows.push({ ...p.engine, where: 'page → api.decode → engine → page' });
    rows.push({
      ...p.page,
      where: c.kind === 'native' && !p.page.figures ? 'page: none (not dense)' : pageRuntime(c),
    });
  }
  const cell = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
  printTable(
    ['decoder', 'where', '1 image p50 ms', 'p95 ms', `${BATCH} images ms`],
    rows.map((r) => [
      r.model,
      r.where,
      cell(r.figures?.p50),
      cell(r.figures?.p95),
      cell(r.figures?.batch64),
    ]),
  );
  console.log(
    `(page decoders: per decode from blocks of ${BLOCK}, Chromium's clock ticking in 0.1 ms; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  for (const c of CASES) {
    const note = page.get(c.id)?.page.note;
    if (note) console.log(`${c.label}: ${note}`);
  }
  const file = path.join(results, 'onnx.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cores: os.cpus().length,
        chromium,
        tfjsBackend: backend.backend,
        single: SINGLE,
        batchRuns: BATCH_RUNS,
        rows,
      },
      null,
      1,
    ),
  );
  console.log(`written ${path.relative(root, file)}`);
}

await main();
