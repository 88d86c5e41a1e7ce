import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { makeEmbedding, SPECIES } from '../embedding/fixture';
import { CHROMIUM, launchChromium, litPixels } from './chromium';

/**
 * An embedding without a model end to end in Chromium through the real `serve`: the Projector's
 * files (vectors.npy, a metadata TSV, a sprite of 16×16 thumbnails) uploaded as a zip through
 * Import…, opened from the library, coloured by a categorical metadata column, a point selected
 * (its thumbnail and neighbours), the decoding panels saying why they are empty, and a numeric
 * column on a colour scale. Screenshots at 1280×720 and 1920×1080 go to test-results/embedding/.
 */
const root = path.resolve(__dirname, '../..');
const SHOTS = path.join(root, 'test-results', 'embedding');
const N = 2000;

type W = {
  __atlas: {
    cloud: {
      loading: boolean;
      data: { n: number; metadata: { name: string }[] } | null;
    };
    selection: { select(index: number): Promise<void> };
  };
};

/** Nothing wider or taller than the window: the page never scrolls. */
async function fits(page: Page, width: number, height: number): Promise<void> {
  const size = await page.evaluate(() => ({
    w: document.documentElement.scrollWidth,
    h: document.documentElement.scrollHeight,
  }));
  expect(size.w).toBeLessThanOrEqual(width);
  expect(size.h).toBeLessThanOrEqual(height);
}

// Without Chromium a developer's run skips this; CI (which installs it) fails instead.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  'an imported embedding in Chromium through serve',
  () => {
    let scratch: string;
    let server: RunningServer;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-embedding-e2e-'));
      mkdirSync(SHOTS, { recursive: true });
      const { build } = await import('vite');
      const rendererDir = path.join(scratch, 'renderer');
      await build({
        configFile: path.join(root, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: rendererDir, sourcemap: false },
      });
      const fixture = await makeEmbedding(path.join(scratch, 'pond'), {
        n: N,
        d: 16,
        thumb: 16,
        tsv: false,
      });
      const zip: Record<string, Uint8Array> = {};
      for (const file of [fixture.vectors, fixture.metadata, fixture.sprite!])
        zip[`pond/${path.basename(file)}`] = new Uint8Array(readFileSync(file));
      writeFileSync(path.join(scratch, 'pond.zip'), zipSync(zip));
      server = await startServer({
        libraryDir: path.join(scratch, 'library'),
        demoDir: null,
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

    it('uploads the Projector files as a zip; the embedding opens coloured by a category', async () => {
      await page.goto(`${server.url}&bench=1`);
      await page.getByRole('button', { name: 'Import…' }).click();
      const box = page.getByRole('group', { name: 'Import a checkpoint' });
      await box
        .getByLabel('Upload checkpoint files or a zip')
        .setInputFiles(path.join(scratch, 'pond.zip'));
      await expect
        .poll(() => box.getByRole('status').textContent(), { timeout: 60_000 })
        .toBe('Uploaded pond');
      const item = page.getByTestId('model-item').filter({ hasText: 'pond' });
      await expect.poll(() => item.textContent(), { timeout: 30_000 }).toContain('no decoder');
      await item.getByRole('button', { name: /^pond/ }).click();
      await expect
        .poll(() => page.getByTestId('current-model').textContent(), { timeout: 60_000 })
        .toBe('pond');
      await expect
        .poll(
          async () => Number(await page.getByTestId('viewer-canvas').getAttribute('data-points')),
          { timeout: 120_000 },
        )
        .toBe(N);
      const columns = await page.evaluate(() =>
        (window as unknown as W).__atlas.cloud.data!.metadata.map((c) => c.name),
      );
      expect(columns).toEqual(['name', 'species', 'size', 'note']);
      // The decoding panel says why it is empty.
      expect(await page.getByTestId('no-decoder').textContent()).toContain(
        'An imported embedding has no decoder',
      );
      await page.getByLabel('Colour points by').selectOption('meta:species');
      const legend = page.getByLabel('Colour legend');
      await expect.poll(() => legend.textContent(), { timeout: 10_000 }).toContain('heron');
      const chips = (await legend.textContent())!;
      for (const s of SPECIES) expect(chips).toContain(s);
      await expect
        .poll(() => litPixels(page, 'viewer-canvas'), { timeout: 30_000 })
        .toBeGreaterThan(2000);
      // A point selected: its thumbnail from the sprite and its nearest neighbours.
      await page.evaluate(() => (window as unknown as W).__atlas.selection.select(7));
      const card = page.getByTestId('selection-card');
      await card.waitFor({ timeout: 20_000 });
      await expect
        .poll(() => card.getByTestId('neighbour').count(), { timeout: 20_000 })
        .toBeGreaterThan(3);
      await expect
        .poll(() => page.getByTestId('selection-original').getAttribute('data-drawn'), {
          timeout: 20_000,
        })
        .not.toBe('0');
      await page.waitForTimeout(600);
      await fits(page, 1280, 720);
      await page.screenshot({ path: path.join(SHOTS, '01-species-1280x720.png') });
      expect(pageErrors).toEqual([]);
    }, 240_000);

    it('says why Generate is empty, colours a number column on a scale, lays out at 1920×1080', async () => {
      const tabs = page.getByRole('tablist', { name: 'Tools' });
      await tabs.getByRole('tab', { name: 'Generate' }).click();
      expect(await page.getByTestId('no-decoder').textContent()).toContain('nothing to sample');
      await page.getByLabel('Colour points by').selectOption('meta:size');
      const legend = page.getByLabel('Colour legend');
      await expect.poll(() => legend.textContent(), { timeout: 10_000 }).toContain('size');
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(SHOTS, '02-size-scale-1280x720.png') });
      await page.getByLabel('Colour points by').selectOption('meta:species');
      await tabs.getByRole('tab', { name: 'Traverse' }).click();
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(800);
      await fits(page, 1920, 1080);
      expect(await litPixels(page, 'viewer-canvas')).toBeGreaterThan(2000);
      await page.screenshot({ path: path.join(SHOTS, '03-species-1920x1080.png') });
      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('makes an attribute vector between two species and lays the cloud out along it', async () => {
      const panel = page.getByTestId('vectors-panel');
      await panel.scrollIntoViewIfNeeded();
      const from = page.getByTestId('vector-from');
      const key = async (species: string) =>
        (await from.locator('option', { hasText: `species ${species}` }).getAttribute('value'))!;
      await from.selectOption(await key('heron'));
      await page.getByTestId('vector-to').selectOption(await key('otter'));
      await page.getByTestId('vector-make').click();
      // The species are separate blobs: the direction tells them apart completely.
      await expect.poll(() => page.getByTestId('vector-made').textContent()).toMatch(/^AUC 1\.000/);
      await page.getByTestId('vector-name').fill('heron-to-otter');
      await page.getByTestId('vector-save').click();
      await expect.poll(() => page.getByTestId('vector-row').count(), { timeout: 10_000 }).toBe(1);
      await page.getByRole('button', { name: 'Attributes', exact: true }).click();
      await expect.poll(() => page.getByTestId('axis-x').inputValue()).toBe('heron-to-otter');
      expect(await page.getByTestId('axes-error').count()).toBe(0);
      await expect
        .poll(() => litPixels(page, 'viewer-canvas'), { timeout: 30_000 })
        .toBeGreaterThan(2000);
      for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all())
        await dismiss.click();
      await page.waitForTimeout(1200);
      await fits(page, 1920, 1080);
      await page.screenshot({ path: path.join(SHOTS, '05-attribute-axis-1920x1080.png') });
      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('reports coverage of the vectors against N(0, I), saying an embedding has no prior', async () => {
      await page.getByRole('tab', { name: 'Coverage' }).click();
      const verdicts = page.getByTestId('verdicts');
      await verdicts.waitFor({ timeout: 120_000 });
      const warnings = page.getByLabel('Report warnings');
      await expect
        .poll(() => warnings.textContent(), { timeout: 30_000 })
        .toContain('an imported embedding has no prior of its own');
      await page.waitForTimeout(400);
      await fits(page, 1920, 1080);
      await page.screenshot({ path: path.join(SHOTS, '04-coverage-1920x1080.png') });
      expect(pageErrors).toEqual([]);
    }, 180_000);
  },
);
