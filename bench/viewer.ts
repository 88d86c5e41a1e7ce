// The viewer in headless Chromium (WebGL2 through SwiftShader, i.e. on the CPU, unless a GPU is
// present): frame time with 100,000 and 1,000,000 points, picking, an epoch transition, and the
// decode latency while a slider is dragged in the real app through `serve` — decoded in the page
// (dense decoders, as the app ships) and, for comparison, through the engine round trip. Prints
// figures and writes bench/results/viewer.json. Flags: --points 100000,1000000  --drag-seconds 4
// --only drag  --results DIR (instead of bench/results)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { startServer } from '../src-main/server';
import { CHROMIUM, launchChromium } from '../tests/e2e/chromium';
import { percentile, printTable } from './report';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const results = path.resolve(option('--results', path.join(root, 'bench', 'results')));
const POINTS = option('--points', '100000,1000000').split(',').map(Number);
const DRAG_SECONDS = Number(option('--drag-seconds', '4'));
const SETTLE_SECONDS = Number(option('--settle-seconds', '6'));
const ONLY = option('--only', 'all');

const round = (x: number): number => Math.round(x * 100) / 100;
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: round(percentile(xs, 50)),
  p95: round(percentile(xs, 95)),
  mean: round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)),
});

async function serveDir(dir: string): Promise<{ url: string; close: () => void }> {
  const server = createServer(async (req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const body = await readFile(file.endsWith('/') ? path.join(file, 'viewer-page.html') : file);
      const type = file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.html')
          ? 'text/html'
          : 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/viewer-page.html`, close: () => server.close() };
}

function demoModels(): string {
  const bundled = path.join(root, 'resources', 'demo');
  const has = (dir: string) =>
    existsSync(dir) && readdirSync(dir).some((d) => existsSync(path.join(dir, d, 'manifest.json')));
  if (has(bundled)) return bundled;
  const fixture = path.join(results, 'viewer-fixture');
  if (!has(fixture)) {
    console.log('(no bundled demo models: training a small MNIST stand-in with the CLI)');
    const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const r = spawnSync(
      process.execPath,
      [
        tsx,
        'src-main/cli/main.ts',
        'train',
        '--data',
        'mnist',
        '--limit',
        '3000',
        '--epochs',
        '2',
        '--latent-dim',
        '16',
        '--out',
        path.join(fixture, 'mnist-gaussian'),
      ],
      { cwd: root, stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('could not train the stand-in model');
  }
  return fixture;
}

async function framesBench(page: Page) {
  const info = await page.evaluate(() => {
    const b = (window as unknown as { viewerBench: { webgl: boolean; renderer: string } })
      .viewerBench;
    return { webgl: b.webgl, renderer: b.renderer };
  });
  const gpu = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return ext && gl ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown';
  });
  console.log(`WebGL: ${info.webgl ? info.renderer : 'none'} on ${gpu}`);
  if (!info.webgl) throw new Error('no WebGL in this Chromium');
  const rows: (string | number)[][] = [];
  const out: Record<string, unknown>[] = [];
  for (const n of POINTS) {
    type B = {
      setup(n: number): number;
      frame(): number;
      loop(ms: number): Promise<number[]>;
      pick(): number;
      transition(n: number): number;
    };
    const setupMs = await page.evaluate(
      (count) => (window as unknown as { viewerBench: B }).viewerBench.setup(count),
      n,
    );
    const frames = await page.evaluate(() => {
      const b = (window as unknown as { viewerBench: B }).viewerBench;
      for (let i = 0; i < 3; i++) b.frame();
      return Array.from({ length: 15 }, () => b.frame());
    });
    const loop = await page.evaluate(
      (ms) => (window as unknown as { viewerBench: B }).viewerBench.loop(ms),
      3000,
    );
    const picks = await page.evaluate(() => {
      const b = (window as unknown as { viewerBench: B }).viewerBench;
      return Array.from({ length: 10 }, () => b.pick());
    });
    const transition = await page.evaluate(
      (count) => (window as unknown as { viewerBench: B }).viewerBench.transition(count),
      n,
    );
    const f = summary(frames);
    const l = summary(loop);
    const p = summary(picks);
    rows.push([
      n.toLocaleString('en-US'),
      round(setupMs),
      f.p50,
      f.p95,
      round(1000 / l.p50),
      p.p50,
      round(transition),
    ]);
    out.push({
      points: n,
      setupMs: round(setupMs),
      frameMs: f,
      rafIntervalMs: l,
      pickMs: p,
      transitionUploadMs: round(transition),
    });
  }
  printTable(
    ['points', 'setup ms', 'frame p50', 'frame p95', 'fps (rAF)', 'pick ms', 'epoch update ms'],
    rows,
  );
  return { gpu, results: out };
}

type BenchApp = {
  traversal: { timings: { page: number[]; engine: number[] } };
  localDecoder: {
    enabled: boolean;
    reason: string | null;
    decoder: { macs: number; layers: { inputs: number; units: number }[] } | null;
  };
};

/**
 * Drags the first slider back and forth for DRAG_SECONDS at ~60 moves a second and measures each
 * slider decode (request to image, from the traversal store), input to preview painted, and the
 * time between preview updates.
 */
async function dragOnce(page: Page, box: { x: number; y: number; width: number; height: number }) {
  const y = box.y + box.height / 2;
  await page.evaluate(() => {
    const w = window as unknown as {
      __drawTimes: number[];
      __inputTimes: number[];
      __observer?: MutationObserver;
      __atlas: BenchApp;
    };
    w.__drawTimes = [];
    w.__inputTimes = [];
    w.__observer?.disconnect();
    const preview = document.querySelector('[data-testid="traversal-preview"]')!;
    w.__observer = new MutationObserver(() => w.__drawTimes.push(performance.now()));
    w.__observer.observe(preview, { attributes: true, attributeFilter: ['data-drawn'] });
    if (!('__inputListener' in w)) {
      document.addEventListener('input', () => w.__inputTimes.push(performance.now()), true);
      (w as unknown as { __inputListener: boolean }).__inputListener = true;
    }
    w.__atlas.traversal.timings.page.length = 0;
    w.__atlas.traversal.timings.engine.length = 0;
  });
  await page.mouse.move(box.x + 2, y);
  await page.mouse.down();
  const steps = Math.round(DRAG_SECONDS * 60);
  for (let i = 0; i <= steps; i++) {
    // Back and forth across the slider at ~60 moves a second.
    const t = (i / steps) * 4;
    const frac = t % 2 < 1 ? t % 1 : 1 - (t % 1);
    await page.mouse.move(box.x + 2 + frac * (box.width - 4), y);
    await page.waitForTimeout(1000 / 60);
  }
  await page.mouse.up();
  await page.waitForTimeout(500);
  const m = await page.evaluate(() => {
    const w = window as unknown as {
      __drawTimes: number[];
      __inputTimes: number[];
      __atlas: BenchApp;
    };
    // Input-to-paint: for each redraw, the time since the oldest input it answered.
    const paint: number[] = [];
    let j = 0;
    for (const d of w.__drawTimes) {
      let first = -1;
      while (j < w.__inputTimes.length && w.__inputTimes[j] <= d) {
        if (first < 0) first = w.__inputTimes[j];
        j++;
      }
      if (first >= 0) paint.push(d - first);
    }
    const gaps = w.__drawTimes.slice(1).map((t, i) => t - w.__drawTimes[i]);
    const { page, engine } = w.__atlas.traversal.timings;
    return {
      inPage: [...page],
      roundTrips: [...engine],
      paint,
      gaps,
      inputs: w.__inputTimes.length,
      draws: w.__drawTimes.length,
    };
  });
  return {
    inputs: m.inputs,
    draws: m.draws,
    decodeInPageMs: summary(m.inPage),
    decodeRoundTripMs: summary(m.roundTrips),
    inputToPaintMs: summary(m.paint),
    updateIntervalMs: summary(m.gaps),
  };
}

async function dragBench(page: Page, url: string) {
  // Chromium may still be busy after the 1M-point frames: give the page time to load.
  await page.goto(`${url}&bench=1`, { timeout: 120_000 });
  await page.waitForFunction(
    () => {
      const app = (
        window as unknown as {
          __atlas?: { traversal: { image: unknown }; cloud: { data: unknown } };
        }
      ).__atlas;
      return !!app?.traversal.image && !!app.cloud.data;
    },
    undefined,
    { timeout: 120_000 },
  );
  // Let the first decodes, the strips and the coverage report (computed in the background) pass.
  await page.waitForTimeout(SETTLE_SECONDS * 1000);
  const decoder = await page.evaluate(() => {
    const local = (window as unknown as { __atlas: BenchApp }).__atlas.localDecoder;
    return {
      inPage: local.decoder !== null,
      reason: local.reason,
      layers: local.decoder?.layers.map((l) => `${l.inputs}→${l.units}`).join(', ') ?? null,
      macs: local.decoder?.macs ?? null,
    };
  });
  console.log(
    decoder.inPage
      ? `decoder in the page: dense ${decoder.layers} (${decoder.macs} multiply-adds an image)`
      : `decoder in the engine only: ${decoder.reason}`,
  );
  const box = (await page.getByTestId('latent-slider').first().boundingBox())!;
  // The app as it ships: dense decoders decode in the page (the engine for the others).
  const local = await dragOnce(page, box);
  // For comparison, every position through the engine: page → serve → host → page.
  await page.evaluate(() => {
    (window as unknown as { __atlas: BenchApp }).__atlas.localDecoder.enabled = false;
  });
  await page.waitForTimeout(500);
  const engine = await dragOnce(page, box);
  await page.evaluate(() => {
    (window as unknown as { __atlas: BenchApp }).__atlas.localDecoder.enabled = true;
  });

  const rows: (string | number)[][] = [];
  const row = (label: string, s: { n: number; p50: number; p95: number }) => {
    if (s.n > 0) rows.push([label, s.n, s.p50, s.p95]);
  };
  row('decode in the page (dense weights)', local.decodeInPageMs);
  row('decode round trip (page → serve → host → page)', local.decodeRoundTripMs);
  row('input → preview painted', local.inputToPaintMs);
  row('between preview updates', local.updateIntervalMs);
  row('engine only: decode round trip', engine.decodeRoundTripMs);
  row('engine only: input → preview painted', engine.inputToPaintMs);
  row('engine only: between preview updates', engine.updateIntervalMs);
  printTable(['while dragging', 'n', 'p50 ms', 'p95 ms'], rows);
  console.log(
    `${local.inputs} slider inputs, ${local.draws} preview updates in ${DRAG_SECONDS} s` +
      ` (engine only: ${engine.draws}); input → paint p95 ${local.inputToPaintMs.p95} ms` +
      ` (target ≤ 16 ms: ${local.inputToPaintMs.p95 <= 16 ? 'met' : 'missed'})`,
  );
  return { decoder, local, engineOnly: engine };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`(skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium)`);
    return;
  }
  mkdirSync(results, { recursive: true });
  const pageDir = path.join(results, 'viewer-page');
  const appDir = path.join(results, 'viewer-app');
  if (ONLY !== 'drag') {
    await build({
      configFile: false,
      root: path.join(root, 'bench'),
      base: './',
      logLevel: 'warn',
      build: {
        outDir: pageDir,
        emptyOutDir: true,
        chunkSizeWarningLimit: 2000,
        rollupOptions: { input: path.join(root, 'bench', 'viewer-page.html') },
      },
    });
  }
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: appDir, sourcemap: false },
  });

  // Measure the renderer, not the frame-rate cap.
  const browser = await launchChromium({ gl: 'swiftshader', uncapped: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const staticServer = await serveDir(pageDir);
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    let frames = {};
    if (ONLY !== 'drag') {
      await page.goto(staticServer.url);
      await page.waitForFunction(() => 'viewerBench' in window);
      frames = await framesBench(page);
    }

    const scratch = path.join(os.tmpdir(), `atlas-viewer-bench-${process.pid}`);
    server = await startServer({
      libraryDir: path.join(scratch, 'library'),
      demoDir: demoModels(),
      rendererDir: appDir,
      warn: () => {},
    });
    const drag = await dragBench(page, server.url);

    const report = {
      date: new Date().toISOString(),
      cores: os.cpus().length,
      chromium: browser.version(),
      ...frames,
      drag,
    };
    writeFileSync(path.join(results, 'viewer.json'), JSON.stringify(report, null, 1));
    console.log(`written ${path.relative(root, path.join(results, 'viewer.json'))}`);
  } finally {
    staticServer.close();
    await server?.close();
    await browser.close();
  }
}

await main();
