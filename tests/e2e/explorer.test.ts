import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { CHROMIUM, launchChromium, litPixels } from './chromium';

/**
 * The explorer end to end in Debian's Chromium, through the real `serve`: the demo model opens,
 * the WebGL viewer (SwiftShader) is not blank, dragging a slider changes the preview, clicking
 * a point shows its decoded image, and a short training run makes the loss chart grow.
 * Screenshots of each step go to test-results/explorer/.
 */
const root = path.resolve(__dirname, '../..');
const SHOTS = path.join(root, 'test-results', 'explorer');

/** Checkpoint folders under `dir` (each has a manifest.json). */
function checkpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => existsSync(path.join(dir, d, 'manifest.json')));
}

/** Small stand-ins for the bundled demo models, trained by the project's own CLI. */
function trainFixtures(dir: string): void {
  const tsx = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const loader = pathToFileURL(path.join(tsx, 'dist', 'loader.mjs')).href;
  const cli = path.join(root, 'src-main', 'cli', 'main.ts');
  const runs: [string, string[]][] = [
    ['mnist-gaussian', ['--latent', 'gaussian', '--latent-dim', '16']],
    ['mnist-sphere', ['--latent', 'sphere', '--latent-dim', '3']],
  ];
  for (const [name, args] of runs) {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        loader,
        cli,
        'train',
        '--data',
        'mnist',
        '--limit',
        '2000',
        '--epochs',
        '2',
        '--hidden',
        '128',
        ...args,
        '--out',
        path.join(dir, name),
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0) throw new Error(`training fixture ${name} failed: ${r.stderr || r.stdout}`);
  }
}

/** How many images the element with `data-testid` = `testid` has drawn (its `data-drawn`). */
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
  'explorer in Chromium through serve',
  () => {
    let scratch: string;
    let server: RunningServer;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-explorer-'));
      mkdirSync(SHOTS, { recursive: true });
      // The renderer as the app ships it.
      const { build } = await import('vite');
      const rendererDir = path.join(scratch, 'renderer');
      await build({
        configFile: path.join(root, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: rendererDir, sourcemap: false },
      });
      // The bundled demo models, or small stand-ins until they are committed.
      let demoDir = path.join(root, 'resources', 'demo');
      if (checkpoints(demoDir).length === 0) {
        demoDir = path.join(scratch, 'demo');
        trainFixtures(demoDir);
      }
      server = await startServer({
        libraryDir: path.join(scratch, 'library'),
        demoDir,
        rendererDir,
        warn: () => {},
      });
      browser = await launchChromium({ gl: 'swiftshader' });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('opens the demo model and draws a non-blank point cloud', async () => {
      await page.goto(server.url);
      await expect
        .poll(() => page.getByTestId('current-model').textContent(), { timeout: 60_000 })
        .toMatch(/\S/);
      await expect
        .poll(
          async () => Number(await page.getByTestId('viewer-canvas').getAttribute('data-points')),
          { timeout: 60_000 },
        )
        .toBeGreaterThan(100);
      // Let the renderer draw (on demand) and the decoded preview arrive.
      await expect
        .poll(() => litPixels(page, 'viewer-canvas'), { timeout: 30_000 })
        .toBeGreaterThan(500);
      await expect
        .poll(() => drawnCount(page, 'traversal-preview'), { timeout: 30_000 })
        .toBeGreaterThan(0);
      await page.screenshot({ path: path.join(SHOTS, '01-demo-model.png') });
      expect(pageErrors).toEqual([]);
    });

    it('dragging a slider changes the preview image', async () => {
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
      await page.screenshot({ path: path.join(SHOTS, '02-slider-dragged.png') });
    });

    it('clicking a point selects it and shows its decoded image', async () => {
      // Hide the hole markers so the click lands on a data point.
      const holes = page.getByLabel('Holes');
      if (await holes.isChecked()) await holes.uncheck();
      await page.waitForTimeout(200);
      const target = await page.evaluate(() => {
        const src = document.querySelector('[data-testid="viewer-canvas"]') as HTMLCanvasElement;
        const c = document.createElement('canvas');
        c.width = src.width;
        c.height = src.height;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(src, 0, 0);
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        const rect = src.getBoundingClientRect();
        const sx = rect.width / c.width;
        const sy = rect.height / c.height;
        // The lit pixel nearest the canvas centre.
        let best: [number, number] | null = null;
        let bestD = Infinity;
        for (let y = 0; y < c.height; y += 2) {
          for (let x = 0; x < c.width; x += 2) {
            const i = (y * c.width + x) * 4;
            if (
              Math.abs(data[i] - 15) + Math.abs(data[i + 1] - 17) + Math.abs(data[i + 2] - 21) <
              120
            )
              continue;
            const d = (x - c.width / 2) ** 2 + (y - c.height / 2) ** 2;
            if (d < bestD) {
              bestD = d;
              best = [rect.left + x * sx, rect.top + y * sy];
            }
          }
        }
        return best;
      });
      expect(target).not.toBeNull();
      await page.mouse.click(target![0], target![1]);
      const card = page.getByTestId('selection-card');
      await expect.poll(() => card.textContent(), { timeout: 20_000 }).toMatch(/Selected/);
      await expect
        .poll(() => drawnCount(page, 'selection-image'), { timeout: 20_000 })
        .toBeGreaterThan(0);
      expect(await litPixels(page, 'selection-image')).toBeGreaterThan(20);
      await page.screenshot({ path: path.join(SHOTS, '03-point-selected.png') });

      // Decode anywhere: a click in empty space (top-left corner of the stage) decodes there.
      const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
      await page.mouse.click(box.x + 24, box.y + 24);
      await expect.poll(() => card.textContent(), { timeout: 20_000 }).toMatch(/Decoded here/);
      await expect
        .poll(() => drawnCount(page, 'selection-image'), { timeout: 20_000 })
        .toBeGreaterThan(0);
      await page.screenshot({ path: path.join(SHOTS, '04-decode-anywhere.png') });
    });

    it('shows the hypersphere view of the sphere model and its coverage report', async () => {
      // The demo on a hypersphere (its card reads "sphere · d=…").
      const sphere = page
        .getByTestId('model-item')
        .filter({ hasText: /\bsphere · d=/ })
        .first();
      expect(await sphere.count()).toBe(1);
      await sphere.locator('button.open').click();
      await expect
        .poll(() => page.locator('header.top').textContent(), { timeout: 30_000 })
        .toMatch(/sphere · d = /);
      await expect
        .poll(
          () =>
            page.getByRole('button', { name: 'Sphere', exact: true }).getAttribute('aria-pressed'),
          { timeout: 30_000 },
        )
        .toBe('true');
      await expect
        .poll(() => litPixels(page, 'viewer-canvas'), { timeout: 30_000 })
        .toBeGreaterThan(500);
      await page.getByRole('tab', { name: 'Coverage' }).click();
      await expect.poll(() => page.getByTestId('verdicts').count(), { timeout: 60_000 }).toBe(1);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: path.join(SHOTS, '05-sphere-coverage.png') });
    });

    it('clicking through models quickly ends on the last one, everything consistent', async () => {
      const items = page.getByTestId('model-item');
      const count = await items.count();
      expect(count).toBeGreaterThanOrEqual(2);
      // 10 switches in about 2 s, alternating, ending on the first model of the list.
      for (let i = 9; i >= 0; i--) {
        await items
          .nth(i % count)
          .locator('button.open')
          .click();
        await page.waitForTimeout(200);
      }
      const last = (await items.nth(0).locator('.name').textContent())!.trim();
      await expect
        .poll(
          async () => Number(await page.getByTestId('viewer-canvas').getAttribute('data-points')),
          {
            timeout: 60_000,
          },
        )
        .toBeGreaterThan(100);
      await expect
        .poll(() => page.getByTestId('viewer-loading').count(), { timeout: 60_000 })
        .toBe(0);
      const header = (await page.getByTestId('current-model').textContent())!.trim();
      expect(header).toBe(last);
      // The header's dimension, the viewer's badge and the sliders agree.
      const dims = (await page.locator('header.top').textContent())!.match(/d = (\d+)/)!;
      const d = Number(dims[1]);
      await expect
        .poll(() => page.locator('section.viewer .stage').textContent(), { timeout: 30_000 })
        .toMatch(new RegExp(`d=${d}\\b`));
      const spherical = /sphere/.test((await page.locator('header.top').textContent())!);
      await expect
        .poll(() => page.getByTestId('latent-slider').count(), { timeout: 30_000 })
        .toBe(spherical ? d - 1 : d);
      await page.screenshot({ path: path.join(SHOTS, '06-after-quick-switches.png') });
      expect(pageErrors).toEqual([]);
    });

    it('lays out at 1280×720, 1440×900 and 1920×1080: nothing clipped, the viewer keeps half the window', async () => {
      for (const [width, height] of [
        [1280, 720],
        [1440, 900],
        [1920, 1080],
      ]) {
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(600);
        const layout = await page.evaluate(() => {
          const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
          const viewer = box('[data-testid="viewer-canvas"]');
          const tabs = [...document.querySelectorAll('[role="tab"]')].map((t) =>
            t.getBoundingClientRect(),
          );
          return {
            scrollW: document.documentElement.scrollWidth,
            scrollH: document.documentElement.scrollHeight,
            viewerW: viewer.width,
            viewerH: viewer.height,
            tabsInside: tabs.every(
              (r) => r.bottom <= window.innerHeight && r.right <= window.innerWidth,
            ),
          };
        });
        expect(layout.scrollW).toBeLessThanOrEqual(width);
        expect(layout.scrollH).toBeLessThanOrEqual(height);
        expect(layout.viewerW).toBeGreaterThanOrEqual(width * 0.5);
        expect(layout.viewerH).toBeGreaterThanOrEqual((height - 44) * 0.5);
        expect(layout.tabsInside).toBe(true);
        await page.screenshot({ path: path.join(SHOTS, `07-layout-${width}x${height}.png`) });
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    it('a short training run makes the loss chart grow', async () => {
      await page.getByRole('tab', { name: 'Training' }).click();
      await page.getByLabel('Epochs').fill('3');
      await page.getByRole('spinbutton', { name: 'Items' }).fill('1000');
      await page.getByLabel('Model name').fill('e2e run');
      await page.getByTestId('train-start').click();
      const chart = page.getByTestId('loss-chart');
      const points = async () => Number(await chart.getAttribute('data-points'));
      await expect.poll(points, { timeout: 90_000 }).toBeGreaterThan(0);
      const first = await points();
      await expect.poll(points, { timeout: 90_000 }).toBeGreaterThan(first);
      await expect
        .poll(() => chart.locator('svg path').count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      // The viewer follows the run: the cloud updates with the epochs.
      await expect
        .poll(() => page.getByTestId('job-state').textContent(), { timeout: 120_000 })
        .toMatch(/completed/);
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(SHOTS, '06-training.png') });
      expect(pageErrors).toEqual([]);
    });
  },
);
