import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { CHROMIUM, launchChromium } from './chromium';

/**
 * End to end in Debian's Chromium: the page `serve` hands out, the browser WebSocket client
 * (src-main/api/client-ws.ts, bundled for the browser as the renderer bundles it), a short
 * training with progress events, a decode, and the token and Origin checks.
 */
const root = path.resolve(__dirname, '../..');

interface PageResult {
  backend: string;
  jobState: string;
  steps: number;
  epochs: number[];
  latentsAreTyped: boolean;
  imagesAreTyped: boolean;
  imageLength: number;
  shape: number[];
}

// Without Chromium a developer's run skips this; CI (which installs it) fails instead.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('serve in a real browser', () => {
  let scratch: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  let elsewhere: Server;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-e2e-'));
    server = await startServer({
      libraryDir: path.join(scratch, 'library'),
      demoDir: null,
      rendererDir: path.join(scratch, 'renderer'),
    });
    const bundled = await build({
      entryPoints: [path.join(root, 'src-main/api/client-ws.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'AtlasClient',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      // Evaluated as a script body: publish the global explicitly.
      footer: { js: 'globalThis.AtlasClient = AtlasClient;' },
    });
    // Served from the page's own origin, so it runs under the page's CSP as the renderer would.
    mkdirSync(path.join(scratch, 'renderer'), { recursive: true });
    writeFileSync(path.join(scratch, 'renderer', 'atlas-client.js'), bundled.outputFiles[0].text);
    // A page on another origin, to try the socket from there.
    elsewhere = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium({ gl: 'none' });
    page = await browser.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(
          `Content Security Policy violation: ${e.violatedDirective} (${e.sourceFile}:${e.lineNumber})`,
        ),
      );
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    elsewhere?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('opens the page with the token, trains, sees progress and decodes a point', async () => {
    const response = await page.goto(server.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.title()).toBe('Latent Atlas');
    await page.addScriptTag({ url: '/atlas-client.js' });

    const result = await page.evaluate(async (): Promise<PageResult> => {
      type Api = Record<string, (p?: unknown) => Promise<Record<string, unknown>>> & {
        on(event: string, listener: (payload: Record<string, unknown>) => void): () => void;
      };
      const { connectAtlas } = (
        window as unknown as { AtlasClient: { connectAtlas(): Promise<Api> } }
      ).AtlasClient;
      const api = await connectAtlas(); // the URL and token come from the page's own location
      const info = await api.info();
      const steps: unknown[] = [];
      const epochs: number[] = [];
      let latentsAreTyped = false;
      let state = '';
      api.on('trainingStep', (e) => steps.push(e));
      api.on('trainingEpoch', (e) => epochs.push(e.epoch as number));
      api.on('trainingLatents', (e) => (latentsAreTyped = e.means instanceof Float32Array));
      const { job } = (await api.startTraining({
        dataset: { spec: 'toy:moons', options: { limit: 400 } },
        model: {
          inputShape: [2],
          latent: { kind: 'gaussian', dim: 2 },
          objective: { kind: 'kl', weight: 1 },
          net: { kind: 'mlp', hidden: [16] },
          likelihood: 'gaussian',
        },
        train: { epochs: 2, batchSize: 40 },
        latentLimit: 100,
        stepIntervalMs: 0,
      })) as { job: { jobId: string; modelId: string } };
      api.on('jobChanged', (e) => {
        const j = e.job as { jobId: string; state: string };
        if (j.jobId === job.jobId) state = j.state;
      });
      const deadline = Date.now() + 90_000;
      while (!['completed', 'failed'].includes(state) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const decoded = await api.decode({
        modelId: job.modelId,
        z: new Float32Array([0.5, -0.5]),
        n: 1,
      });
      return {
        backend: (info.backend as { backend: string }).backend,
        jobState: state,
        steps: steps.length,
        epochs,
        latentsAreTyped,
        imagesAreTyped: decoded.images instanceof Float32Array,
        imageLength: (decoded.images as Float32Array).length,
        shape: decoded.shape as number[],
      };
    });
    expect(result.jobState).toBe('completed');
    expect(result.steps).toBeGreaterThan(5);
    expect(result.epochs).toEqual([1, 2]);
    expect(result.latentsAreTyped).toBe(true);
    expect(result.imagesAreTyped).toBe(true);
    expect(result.imageLength).toBe(2);
    expect(result.shape).toEqual([2]);
    expect(cspViolations).toEqual([]);
  });

  it('refuses the page with a wrong or missing token', async () => {
    const wrong = await page.goto(server.url.replace(/token=.*/, 'token=not-the-token'));
    expect(wrong?.status()).toBe(401);
    expect(await page.content()).not.toContain('Latent Atlas</title>');
    const missing = await page.goto(server.url.replace(/\?token=.*/, ''));
    expect(missing?.status()).toBe(401);
  });

  it('refuses the socket with a wrong token, and from another origin even with the right one', async () => {
    await page.goto(server.url);
    await page.addScriptTag({ url: '/atlas-client.js' });
    const wrongToken = await page.evaluate(async (port) => {
      const { connectAtlas } = (
        window as unknown as { AtlasClient: { connectAtlas(o: { url: string }): Promise<unknown> } }
      ).AtlasClient;
      return connectAtlas({ url: `ws://127.0.0.1:${port}/atlas?token=wrong` }).then(
        () => 'connected',
        (err: Error) => err.message,
      );
    }, server.port);
    expect(wrongToken).toMatch(/could not connect/);

    await page.goto(`http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`);
    const foreign = await page.evaluate(
      ({ port, token }) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/atlas?token=${token}`);
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('refused');
        }),
      { port: server.port, token: server.token },
    );
    expect(foreign).toBe('refused');
  });
});
