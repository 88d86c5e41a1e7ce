import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server';
import { CHROMIUM, launchChromium } from './chromium';

/**
 * Uploads from a browser, end to end in Chromium through the real `serve`: Import… sends a
 * checkpoint zip (the model appears in the library), and the training panel's "your images"
 * sends a folder of images (it becomes the data set to train on). Screenshots at 1280×720 go to
 * test-results/uploads/.
 */
const root = path.resolve(__dirname, '../..');
const SHOTS = path.join(root, 'test-results', 'uploads');
const DEMO = path.join(root, 'resources', 'demo', 'shapes-gaussian-6');

// Without Chromium a developer's run skips this; CI (which installs it) fails instead. The demo
// checkpoint is part of the repository.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('uploads in Chromium', () => {
  let scratch: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-uploads-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    const { build } = await import('vite');
    const rendererDir = path.join(scratch, 'renderer');
    await build({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: rendererDir, sourcemap: false },
    });
    // The checkpoint as a zip of its folder, and a folder of 12 small images in two classes.
    const files: Record<string, Uint8Array> = {};
    for (const rel of [
      'manifest.json',
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/model.json',
      'decoder/weights.bin',
    ])
      files[`shapes-upload/${rel}`] = new Uint8Array(readFileSync(path.join(DEMO, rel)));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(scratch, 'shapes-upload.zip'), zipSync(files));
    for (let i = 0; i < 12; i++) {
      const dir = path.join(scratch, 'icons', i % 2 ? 'dark' : 'light');
      mkdirSync(dir, { recursive: true });
      await sharp(Buffer.alloc(16 * 16, i % 2 ? 30 + i : 200 + i), {
        raw: { width: 16, height: 16, channels: 1 },
      })
        .png()
        .toFile(path.join(dir, `${i}.png`));
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
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('Import… uploads a checkpoint zip into the library', async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Import…' }).click();
    const box = page.getByRole('group', { name: 'Import a checkpoint' });
    // Slow the socket's sends so the progress line can be seen (and photographed).
    await page.evaluate(() => {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        const size = (data as { byteLength?: number }).byteLength ?? 0;
        if (size > 1024 * 1024) setTimeout(() => send.call(this, data), 1500);
        else send.call(this, data);
      };
    });
    await box
      .getByLabel('Upload checkpoint files or a zip')
      .setInputFiles(path.join(scratch, 'shapes-upload.zip'));
    await expect
      .poll(() => box.getByRole('status').textContent(), { timeout: 10_000 })
      .toMatch(/^Uploading shapes-upload: [\d.]+ of [\d.]+ MB \([1-9]\d? %\)$/);
    await page.screenshot({ path: path.join(SHOTS, '01-import-in-progress.png') });
    await expect
      .poll(() => box.getByRole('status').textContent(), { timeout: 60_000 })
      .toBe('Uploaded shapes-upload');
    await expect
      .poll(() => page.getByTestId('model-item').allTextContents(), { timeout: 30_000 })
      .toEqual([expect.stringContaining('shapes-upload')]);
    await page.screenshot({ path: path.join(SHOTS, '02-import-uploaded.png') });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('the training panel uploads a folder of images as the data set', async () => {
    await page.getByLabel('Data set').selectOption('folder:DIR');
    const panel = page.getByTestId('upload-images');
    await panel.getByLabel('Upload a folder of images').setInputFiles(path.join(scratch, 'icons'));
    await expect
      .poll(() => panel.getByRole('status').textContent(), { timeout: 60_000 })
      .toBe('Uploaded icons');
    await expect
      .poll(() => page.getByLabel('Image folder path').inputValue(), { timeout: 30_000 })
      .toContain(path.join('library', 'uploads'));
    await page.screenshot({ path: path.join(SHOTS, '03-images-uploaded.png') });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
