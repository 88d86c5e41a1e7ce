import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { CHROMIUM, launchChromium, litPixels } from './chromium';

/**
 * Attribute vectors end to end in Chromium through the real `serve`, on the bundled demo model:
 * make a vector from two labels in the Traverse tab, save it (a file in the model's folder), drag
 * its slider (the preview redraws along it), lay the cloud out along two vectors in the Attributes
 * view. Screenshots at 1280×720 and 1920×1080 go to
 * test-results/vectors/.
 */
const root = path.resolve(__dirname, '../..');
const SHOTS = path.join(root, 'test-results', 'vectors');

interface PageApp {
  modelId: string | null;
  cloud: { data: { n: number; partial: boolean } | null };
  traversal: { amounts: Float64Array; vectors: { name: string }[]; z(): Float64Array | null };
  spherical: boolean;
}
type W = { __atlas: PageApp };

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  'attribute vectors in Chromium through serve',
  () => {
    let scratch: string;
    let libraryDir: string;
    let server: RunningServer;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-vectors-e2e-'));
      mkdirSync(SHOTS, { recursive: true });
      const { build } = await import('vite');
      const rendererDir = path.join(scratch, 'renderer');
      await build({
        configFile: path.join(root, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: rendererDir, sourcemap: false },
      });
      libraryDir = path.join(scratch, 'library');
      server = await startServer({
        libraryDir,
        demoDir: path.join(root, 'resources', 'demo'),
        rendererDir,
        warn: () => {},
      });
      browser = await launchChromium({ gl: 'swiftshader' });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('makes a vector from two labels, saves it and steers along it', async () => {
      await page.goto(`${server.url}&bench=1`);
      await expect
        .poll(
          () =>
            page.evaluate(() => {
              const d = (window as unknown as W).__atlas.cloud.data;
              return d && !d.partial ? d.n : 0;
            }),
          { timeout: 90_000 },
        )
        .toBeGreaterThan(1000);
      const modelId = await page.evaluate(() => (window as unknown as W).__atlas.modelId!);
      await page.getByRole('tab', { name: 'Traverse' }).click();
      const panel = page.getByTestId('vectors-panel');
      await panel.scrollIntoViewIfNeeded();
      await page.getByTestId('vector-from').selectOption('label:1');
      await page.getByTestId('vector-to').selectOption('label:7');
      await page.getByTestId('vector-make').click();
      await expect.poll(() => page.getByTestId('vector-made').textContent()).toMatch(/^AUC 0\.\d+/);
      await page.getByTestId('vector-name').fill('one-to-seven');
      await page.getByTestId('vector-save').click();
      await expect
        .poll(() => page.getByTestId('vector-slider').count(), { timeout: 10_000 })
        .toBe(1);
      expect(existsSync(path.join(libraryDir, modelId, 'vectors', 'one-to-seven.npy'))).toBe(true);
      expect(existsSync(path.join(libraryDir, modelId, 'vectors', 'index.json'))).toBe(true);
      // Its preview strip arrives.
      const row = page.getByTestId('vector-slider-row');
      await expect.poll(() => row.locator('.strip canvas').count(), { timeout: 20_000 }).toBe(7);

      // Drag the slider from the middle to near its right end.
      const preview = page.getByTestId('traversal-preview');
      const drawsBefore = Number(await preview.getAttribute('data-drawn'));
      const slider = page.getByTestId('vector-slider');
      await slider.scrollIntoViewIfNeeded();
      const box = (await slider.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++)
        await page.mouse.move(box.x + box.width * (0.5 + 0.035 * k), box.y + box.height / 2);
      await page.mouse.up();
      await expect
        .poll(() => page.evaluate(() => (window as unknown as W).__atlas.traversal.amounts[0]))
        .toBeGreaterThan(0.5);
      await expect
        .poll(async () => Number(await preview.getAttribute('data-drawn')), { timeout: 10_000 })
        .toBeGreaterThan(drawsBefore);
      // The "Saved" notice would cover the panel's corner.
      for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all())
        await dismiss.click();
      await page.getByTestId('vector-make').scrollIntoViewIfNeeded();
      await page.waitForTimeout(800);
      expect(await row.getByText(/^AUC 0\.\d{3}$/).count()).toBe(1);
      await page.screenshot({ path: path.join(SHOTS, '01-vector-steered-1280x720.png') });

      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.getByTestId('vectors-panel').scrollIntoViewIfNeeded();
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(SHOTS, '02-vector-steered-1920x1080.png') });
      // Nothing overflows the page sideways.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('decodes an analogy a − b + c as a strip', async () => {
      await page.getByText('Analogy a − b + c').click();
      await page.getByTestId('analogy-run').click();
      const strip = page.getByTestId('analogy-strip');
      await expect.poll(() => strip.locator('canvas').count(), { timeout: 10_000 }).toBe(7);
      await strip.scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, '03-analogy-1920x1080.png') });
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('lays the cloud out along two saved vectors in the Attributes view', async () => {
      await page.getByTestId('vectors-panel').scrollIntoViewIfNeeded();
      await page.getByTestId('vector-from').selectOption('label:3');
      await page.getByTestId('vector-to').selectOption('label:8');
      await page.getByTestId('vector-make').click();
      await expect.poll(() => page.getByTestId('vector-made').textContent()).toMatch(/^AUC 0\.\d+/);
      await page.getByTestId('vector-name').fill('three-to-eight');
      await page.getByTestId('vector-save').click();
      await expect
        .poll(() => page.getByTestId('vector-slider').count(), { timeout: 10_000 })
        .toBe(2);
      await page.getByRole('button', { name: 'Attributes', exact: true }).click();
      const bar = page.getByTestId('axes-bar');
      await expect.poll(() => page.getByTestId('axis-x').inputValue()).toBe('one-to-seven');
      await page.getByTestId('axis-y').selectOption('three-to-eight');
      await expect
        .poll(() => bar.getByTestId('axis-angle').textContent(), { timeout: 10_000 })
        .toMatch(/^x∠y \d+°$/);
      expect(await page.getByTestId('axes-error').count()).toBe(0);
      await expect.poll(() => litPixels(page), { timeout: 30_000 }).toBeGreaterThan(2000);
      for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all())
        await dismiss.click();
      await page.waitForTimeout(1500);
      await page.screenshot({ path: path.join(SHOTS, '05-attribute-axes-1920x1080.png') });
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(SHOTS, '06-attribute-axes-1280x720.png') });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(pageErrors).toEqual([]);
    }, 90_000);

    it('on the sphere model a vector steers along a great circle, staying on the sphere', async () => {
      await page.setViewportSize({ width: 1280, height: 720 });
      const before = await page.evaluate(() => (window as unknown as W).__atlas.modelId);
      await page.getByText('mnist-sphere-3', { exact: true }).click();
      await expect
        .poll(() => page.evaluate(() => (window as unknown as W).__atlas.modelId), {
          timeout: 30_000,
        })
        .not.toBe(before);
      await expect
        .poll(
          () =>
            page.evaluate(() => {
              const d = (window as unknown as W).__atlas.cloud.data;
              return d && !d.partial ? d.n : 0;
            }),
          { timeout: 90_000 },
        )
        .toBeGreaterThan(1000);
      expect(await page.evaluate(() => (window as unknown as W).__atlas.spherical)).toBe(true);
      await page.getByTestId('vectors-panel').scrollIntoViewIfNeeded();
      await page.getByTestId('vector-from').selectOption('label:0');
      await page.getByTestId('vector-to').selectOption('label:6');
      await page.getByTestId('vector-make').click();
      await expect
        .poll(() => page.getByTestId('vector-made').textContent())
        .toMatch(/length [\d.]+ rad$/);
      await page.getByTestId('vector-name').fill('zero-to-six');
      await page.getByTestId('vector-save').click();
      await expect
        .poll(() => page.getByTestId('vector-slider').count(), { timeout: 10_000 })
        .toBe(1);
      const slider = page.getByTestId('vector-slider');
      await slider.scrollIntoViewIfNeeded();
      const box = (await slider.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      for (let k = 1; k <= 8; k++)
        await page.mouse.move(box.x + box.width * (0.5 + 0.04 * k), box.y + box.height / 2);
      await page.mouse.up();
      await expect
        .poll(() => page.evaluate(() => (window as unknown as W).__atlas.traversal.amounts[0]))
        .toBeGreaterThan(0.3);
      const norm = await page.evaluate(() =>
        Math.hypot(...(window as unknown as W).__atlas.traversal.z()!),
      );
      expect(norm).toBeCloseTo(1, 9);
      const row = page.getByTestId('vector-slider-row');
      await expect.poll(() => row.locator('.strip canvas').count(), { timeout: 20_000 }).toBe(7);
      for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all())
        await dismiss.click();
      await page.getByTestId('vector-make').scrollIntoViewIfNeeded();
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(SHOTS, '04-sphere-vector-1280x720.png') });
      expect(pageErrors).toEqual([]);
    }, 120_000);
  },
);
