import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { CHROMIUM, launchChromium, litPixels } from './chromium';

/**
 * An ONNX model end to end in Chromium through the real `serve`, under the app's CSP: the MNIST
 * MLP VAE exported from PyTorch (tests/fixtures/onnx/mlp-nchw, with an atlas.json naming its
 * data set) opens, its cloud is encoded by the engine (ONNX Runtime for Node), the page times
 * onnxruntime-web (wasm, its .wasm from the page's own origin) against the engine and says which
 * decodes; a slider drag redraws the preview; the page's image of a latent is the engine's.
 * Screenshots at 1280×720 and 1920×1080 go to test-results/onnx-page-decode/.
 */
const root = path.resolve(__dirname, '../..');
const SHOTS = path.join(root, 'test-results', 'onnx-page-decode');
const FIXTURE = path.join(root, 'tests', 'fixtures', 'onnx', 'mlp-nchw');

/** What the page exposes with `?bench=1` (Root.svelte): the parts read here. */
interface PageApp {
  modelId: string | null;
  cloud: { loading: boolean; data: { n: number; partial: boolean } | null };
  api: {
    decode(p: {
      modelId: string;
      z: Float32Array;
      n: number;
    }): Promise<{ images: Float32Array; shape: number[] }>;
  };
  traversal: { z(): Float64Array | null; image: Float32Array | null; decodedIn: string | null };
  localDecoder: {
    onnx: { decode(z: Float32Array, n: number): Promise<Float32Array> } | null;
    choice: { chosen: string; page: number | null; engine: number | null; why: string } | null;
  };
}
type W = { __atlas: PageApp };

async function drawnCount(page: Page, testid: string): Promise<number> {
  return Number(await page.getByTestId(testid).getAttribute('data-drawn'));
}

async function canvasData(page: Page, testid: string): Promise<string> {
  return page.evaluate(
    (id) => (document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement).toDataURL(),
    testid,
  );
}

// Without Chromium a developer's run skips this; CI (which installs it) fails instead.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  'an ONNX model decoding in the page or the engine, in Chromium through serve',
  () => {
    let scratch: string;
    let server: RunningServer;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const cspReports: string[] = [];
    const wasmRequests: string[] = [];

    beforeAll(async () => {
      scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-onnx-e2e-'));
      mkdirSync(SHOTS, { recursive: true });
      const { build } = await import('vite');
      const rendererDir = path.join(scratch, 'renderer');
      await build({
        configFile: path.join(root, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: rendererDir, sourcemap: false },
      });
      const model = path.join(scratch, 'library', 'mnist-mlp-onnx');
      mkdirSync(model, { recursive: true });
      for (const f of ['decoder.onnx', 'encoder.onnx'])
        copyFileSync(path.join(FIXTURE, f), path.join(model, f));
      writeFileSync(path.join(model, 'atlas.json'), JSON.stringify({ dataset: 'mnist' }));
      // A second export, as a user uploads it: no atlas.json, so no dataset (older: listed second).
      const bare = path.join(scratch, 'library', 'conv-autoencoder');
      mkdirSync(bare, { recursive: true });
      for (const f of ['decoder.onnx', 'encoder.onnx']) {
        copyFileSync(path.join(FIXTURE, '..', 'conv-nhwc-tanh', f), path.join(bare, f));
        utimesSync(path.join(bare, f), new Date('2026-01-01'), new Date('2026-01-01'));
      }
      server = await startServer({
        libraryDir: path.join(scratch, 'library'),
        demoDir: null,
        rendererDir,
        warn: () => {},
      });
      browser = await launchChromium({ gl: 'swiftshader' });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspReports.push(m.text());
      });
      page.on('request', (r) => {
        if (r.url().includes('.wasm')) wasmRequests.push(r.url());
      });
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('opens the ONNX model, encodes its cloud and says where its decodes run', async () => {
      await page.goto(`${server.url}&bench=1`);
      await expect
        .poll(() => page.getByTestId('current-model').textContent(), { timeout: 60_000 })
        .toMatch(/mnist-mlp-onnx/);
      await expect
        .poll(
          async () => Number(await page.getByTestId('viewer-canvas').getAttribute('data-points')),
          { timeout: 120_000 },
        )
        .toBeGreaterThan(100);
      // The whole cloud, not its first streamed points.
      await expect
        .poll(
          () =>
            page.evaluate(() => {
              const cloud = (window as unknown as W).__atlas.cloud;
              return !cloud.loading && cloud.data !== null && !cloud.data.partial;
            }),
          { timeout: 120_000 },
        )
        .toBe(true);
      await expect
        .poll(() => litPixels(page, 'viewer-canvas'), { timeout: 30_000 })
        .toBeGreaterThan(500);
      await expect
        .poll(() => drawnCount(page, 'traversal-preview'), { timeout: 30_000 })
        .toBeGreaterThan(0);
      // The page decoder loads and is timed against the engine.
      const line = page.getByTestId('decode-path');
      await expect
        .poll(() => line.getAttribute('data-chosen'), { timeout: 60_000 })
        .toMatch(/^(page|engine)$/);
      const text = (await line.textContent())!.trim();
      const choice = await page.evaluate(
        () => (window as unknown as W).__atlas.localDecoder.choice,
      );
      console.log(`ONNX model: "${text}" (${choice!.why})`);
      expect(choice!.page).not.toBeNull();
      expect(choice!.engine).not.toBeNull();
      expect(text).toMatch(
        choice!.chosen === 'page'
          ? /^decodes in the page \(onnxruntime-web, <?[\d.]+\sms\) — engine <?[\d.]+\sms$/
          : /^decodes in the engine \(<?[\d.]+\sms\) — page <?[\d.]+\sms \(onnxruntime-web\)$/,
      );
      // onnxruntime-web's .wasm came from the app's own origin.
      expect(wasmRequests.length).toBeGreaterThan(0);
      const origin = new URL(server.url).origin;
      for (const url of wasmRequests) expect(url.startsWith(`${origin}/assets/`)).toBe(true);
      expect(await litPixels(page, 'traversal-preview')).toBeGreaterThan(20);
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, '01-onnx-model-1280x720.png') });
      expect(pageErrors).toEqual([]);
      expect(cspReports).toEqual([]);
    });

    it('dragging a slider changes the preview, decoded where the page says', async () => {
      const before = await canvasData(page, 'traversal-preview');
      const drawn = await drawnCount(page, 'traversal-preview');
      const slider = page.getByTestId('latent-slider').first();
      const box = (await slider.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 2, y);
      await page.mouse.down();
      for (let i = 1; i <= 12; i++) {
        await page.mouse.move(box.x + box.width / 2 + (i / 12) * (box.width * 0.45), y);
        await page.waitForTimeout(30);
      }
      await page.mouse.up();
      await expect
        .poll(() => drawnCount(page, 'traversal-preview'), { timeout: 20_000 })
        .toBeGreaterThan(drawn);
      await page.waitForTimeout(300);
      expect(await canvasData(page, 'traversal-preview')).not.toBe(before);
      const chosen = await page.getByTestId('decode-path').getAttribute('data-chosen');
      expect(await page.evaluate(() => (window as unknown as W).__atlas.traversal.decodedIn)).toBe(
        chosen,
      );
      await expect
        .poll(() => page.getByTestId('decode-latency').textContent(), { timeout: 10_000 })
        .toContain(chosen === 'page' ? 'in the page' : 'engine');
      await page.screenshot({ path: path.join(SHOTS, '02-slider-dragged-1280x720.png') });
    });

    it("the page's image of a latent is the engine's (max abs difference ≤ 1e-5)", async () => {
      const diff = await page.evaluate(async () => {
        const app = (window as unknown as W).__atlas;
        const z = Float32Array.from(app.traversal.z()!);
        const inPage = await app.localDecoder.onnx!.decode(z, 1);
        const { images, shape } = await app.api.decode({ modelId: app.modelId!, z, n: 1 });
        let worst = 0;
        for (let i = 0; i < images.length; i++)
          worst = Math.max(worst, Math.abs(images[i] - inPage[i]));
        const shown = app.traversal.image!;
        let shownWorst = 0;
        for (let i = 0; i < images.length; i++)
          shownWorst = Math.max(shownWorst, Math.abs(images[i] - shown[i]));
        return {
          worst,
          shownWorst,
          length: inPage.length,
          engineLength: images.length,
          shape,
          mean: images.reduce((a, b) => a + b, 0) / images.length,
        };
      });
      console.log(`page vs engine: max |Δ| ${diff.worst.toExponential(2)} over ${diff.length}`);
      expect(diff.length).toBe(784);
      expect(diff.engineLength).toBe(784);
      expect(diff.shape).toEqual([28, 28, 1]);
      expect(diff.mean).toBeGreaterThan(0.01);
      expect(diff.worst).toBeLessThanOrEqual(1e-5);
      // The preview on screen is that image too.
      expect(diff.shownWorst).toBeLessThanOrEqual(1e-5);
    });

    it('lays out at 1920×1080 with the decode line in view', async () => {
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(800);
      const layout = await page.evaluate(() => {
        const line = document.querySelector('[data-testid="decode-path"]')!.getBoundingClientRect();
        return {
          scrollW: document.documentElement.scrollWidth,
          scrollH: document.documentElement.scrollHeight,
          line: { right: line.right, bottom: line.bottom, width: line.width },
        };
      });
      expect(layout.scrollW).toBeLessThanOrEqual(1920);
      expect(layout.scrollH).toBeLessThanOrEqual(1080);
      expect(layout.line.width).toBeGreaterThan(0);
      expect(layout.line.right).toBeLessThanOrEqual(1920);
      expect(layout.line.bottom).toBeLessThanOrEqual(1080);
      await page.screenshot({ path: path.join(SHOTS, '03-onnx-model-1920x1080.png') });
      expect(pageErrors).toEqual([]);
      expect(cspReports).toEqual([]);
    });

    it('an export without a dataset asks which data its encoder reads, then shows the cloud', async () => {
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByTestId('model-item').filter({ hasText: 'conv-autoencoder' }).click();
      await expect
        .poll(() => page.getByTestId('current-model').textContent(), { timeout: 60_000 })
        .toMatch(/conv-autoencoder/);
      const picker = page.getByRole('form', { name: 'Dataset for the cloud' });
      await picker.waitFor({ timeout: 60_000 });
      // No error notice beside the question: a missing dataset is not a failure.
      expect(await page.getByText(/Could not encode the data/).count()).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, '04-dataset-picker-1280x720.png') });
      await picker.getByRole('combobox', { name: 'Dataset' }).selectOption('mnist');
      await picker.getByRole('button', { name: 'Show its cloud' }).click();
      await expect
        .poll(
          async () => Number(await page.getByTestId('viewer-canvas').getAttribute('data-points')),
          { timeout: 120_000 },
        )
        .toBeGreaterThan(1000);
      await expect.poll(() => picker.count(), { timeout: 30_000 }).toBe(0);
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(SHOTS, '05-picked-dataset-cloud-1920x1080.png') });
      expect(pageErrors).toEqual([]);
    });
  },
);
