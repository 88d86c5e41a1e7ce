import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { CHROMIUM, launchChromium, litPixels } from './chromium';
import { decodeViewState } from '../../src-renderer/lib/bookmarks/view-state';

/**
 * t-SNE and links end to end in Chromium (SwiftShader WebGL) through the real `serve`, on the
 * bundled demo model: switching to t-SNE shows every point; a view (t-SNE, coloured by error, a
 * selection, a turned camera) written into the URL comes back whole in a new page opened on that
 * URL. Screenshots at 1280×720 and 1920×1080 go to test-results/bookmarks/.
 */
const root = path.resolve(__dirname, '../..');
const SHOTS = path.join(root, 'test-results', 'bookmarks');

interface PageApp {
  cloud: { data: { n: number; partial: boolean } | null };
  viewer: { mode: string; colorBy: string; tsne: unknown };
  selection: {
    group: {
      count: number;
      points(): Int32Array;
      selectPoints(p: number[], how: string, what: string): void;
    };
  };
}
type W = { __atlas: PageApp };

const shownPoints = async (page: Page) =>
  Number(await page.getByTestId('viewer-canvas').getAttribute('data-points'));

/** Waits for the viewer to show `n` points and to have drawn them. */
async function shows(page: Page, n: number): Promise<void> {
  await expect.poll(() => shownPoints(page), { timeout: 60_000 }).toBe(n);
  await expect.poll(() => litPixels(page), { timeout: 30_000 }).toBeGreaterThan(200);
}

async function opened(page: Page): Promise<number> {
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
  return page.evaluate(() => (window as unknown as W).__atlas.cloud.data!.n);
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  't-SNE and links in Chromium through serve',
  () => {
    let scratch: string;
    let server: RunningServer;
    let browser: Browser;
    let page: Page;
    let n = 0;
    let link = '';
    const pageErrors: string[] = [];

    beforeAll(async () => {
      scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-bookmarks-e2e-'));
      mkdirSync(SHOTS, { recursive: true });
      const { build } = await import('vite');
      const rendererDir = path.join(scratch, 'renderer');
      await build({
        configFile: path.join(root, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: rendererDir, sourcemap: false },
      });
      server = await startServer({
        libraryDir: path.join(scratch, 'library'),
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

    it('switches to t-SNE and shows every point', async () => {
      await page.goto(`${server.url}&bench=1`);
      n = await opened(page);
      await shows(page, n);
      await page.getByRole('button', { name: 't-SNE', exact: true }).click();
      await expect
        .poll(() => page.evaluate(() => (window as unknown as W).__atlas.viewer.mode))
        .toBe('tsne');
      await page.waitForTimeout(1500);
      await page.screenshot({ path: path.join(SHOTS, '01-tsne-running-1280x720.png') });
      await expect
        .poll(() => page.evaluate(() => (window as unknown as W).__atlas.viewer.tsne === null), {
          timeout: 240_000,
        })
        .toBe(true);
      await shows(page, n);
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, '02-tsne-1280x720.png') });
      // The toolbar (projections, bookmarks, colours) fits at 1280 px: nothing scrolled away.
      const toolbar = await page.evaluate(() => {
        const t = document.querySelector('.viewer .toolbar')!;
        return { scroll: t.scrollWidth, client: t.clientWidth };
      });
      expect(toolbar.scroll).toBeLessThanOrEqual(toolbar.client + 1);
    }, 300_000);

    it('a view copied from the URL comes back whole in a new page', async () => {
      await page.getByLabel('Colour points by').selectOption('error');
      await page.evaluate(() => {
        const rows = Array.from({ length: 200 }, (_, i) => i * 7);
        (window as unknown as W).__atlas.selection.group.selectPoints(rows, 'replace', 'e2e');
      });
      // Turn the camera with the mouse.
      const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.45, { steps: 6 });
      await page.mouse.up();
      // The hash follows the view after a debounce: wait until it holds this view (a loaded
      // machine can take longer than any fixed pause), then until it stops changing.
      await expect
        .poll(
          () => {
            const decoded = decodeViewState(new URL(page.url()).hash);
            return decoded?.ok ? decoded.state.selection.length : -1;
          },
          { timeout: 30_000 },
        )
        .toBe(200);
      let previous = '';
      await expect
        .poll(
          () => {
            const now = page.url();
            const still = now === previous;
            previous = now;
            return still;
          },
          { timeout: 30_000, interval: 700 },
        )
        .toBe(true);
      link = page.url();
      expect(link).toContain('#view=1.');
      await page.screenshot({ path: path.join(SHOTS, '03-view-1280x720.png') });
      // Saved as a named bookmark, listed in the toolbar's menu.
      await page.getByTestId('bookmarks-toggle').click();
      await page.getByLabel('Bookmark name').fill('errors on t-SNE');
      await page
        .getByTestId('bookmarks-menu')
        .getByRole('button', { name: 'Save', exact: true })
        .click();
      await expect.poll(() => page.getByText('errors on t-SNE').count()).toBe(1);
      await page.screenshot({ path: path.join(SHOTS, '03b-bookmarks-menu-1280x720.png') });
      await page.getByTestId('bookmarks-toggle').click();
      const before = await page.evaluate(() => {
        const a = (window as unknown as W).__atlas;
        return {
          mode: a.viewer.mode,
          colorBy: a.viewer.colorBy,
          points: Array.from(a.selection.group.points()),
        };
      });

      const second = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      second.on('pageerror', (e) => pageErrors.push(e.message));
      await second.goto(link);
      await opened(second);
      await expect
        .poll(() => second.evaluate(() => (window as unknown as W).__atlas.selection.group.count), {
          timeout: 120_000,
        })
        .toBe(200);
      const after = await second.evaluate(() => {
        const a = (window as unknown as W).__atlas;
        return {
          mode: a.viewer.mode,
          colorBy: a.viewer.colorBy,
          points: Array.from(a.selection.group.points()),
        };
      });
      expect(after).toEqual(before);
      await shows(second, n);
      // The camera too: the new page's own hash, written from its restored view, is the link's.
      await expect
        .poll(() => new URL(second.url()).hash, { timeout: 30_000 })
        .toBe(new URL(link).hash);
      await second.waitForTimeout(800);
      await second.screenshot({ path: path.join(SHOTS, '04-view-restored-1920x1080.png') });
      await second.getByTestId('bookmarks-toggle').click();
      await expect.poll(() => second.getByText('errors on t-SNE').count()).toBe(1);
      await second.screenshot({ path: path.join(SHOTS, '04b-bookmarks-menu-1920x1080.png') });
      await page.screenshot({ path: path.join(SHOTS, '05-view-original-1280x720.png') });
      expect(pageErrors).toEqual([]);
    }, 300_000);
  },
);
