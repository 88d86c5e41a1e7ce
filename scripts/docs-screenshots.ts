// `npm run docs:screenshots`: the README's pictures, taken from the real app rather than edited by
// hand. Builds the renderer, serves it over `latent-atlas serve` on the bundled demo models (in a
// scratch library, so the user's own is untouched), drives it in Debian's Chromium and writes
// palette PNGs (≤ 300 KB each) to docs/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { startServer } from '../src-main/server';
import { CHROMIUM, launchChromium } from '../tests/e2e/chromium';

const root = path.resolve(import.meta.dirname, '..');
const DOCS = path.join(root, 'docs');
const VIEWPORT = { width: 1440, height: 900 };
const MAX_BYTES = 300 * 1024;

/** Polls `probe` until it returns true, or fails naming `what`. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const attr = async (page: Page, testid: string, name: string) =>
  Number(await page.getByTestId(testid).first().getAttribute(name));

/** A screenshot re-encoded as a 256-colour PNG: the UI is flat colours, so it stays sharp. */
async function shoot(page: Page, name: string): Promise<void> {
  const raw = await page.screenshot();
  const file = path.join(DOCS, name);
  for (const colours of [256, 128, 64]) {
    const png = await sharp(raw).png({ palette: true, colours, effort: 10 }).toBuffer();
    if (png.length <= MAX_BYTES || colours === 64) {
      await writeFile(file, png);
      console.log(`${path.relative(root, file)}: ${(png.length / 1024).toFixed(0)} KB`);
      return;
    }
  }
}

async function openModel(page: Page, pattern: RegExp, header: RegExp): Promise<void> {
  await page
    .getByTestId('model-item')
    .filter({ hasText: pattern })
    .first()
    .locator('button.open')
    .click();
  await until(`header ${header}`, async () =>
    header.test((await page.locator('header.top').textContent()) ?? ''),
  );
  await until('points', async () => (await attr(page, 'viewer-canvas', 'data-points')) > 100);
}

async function dragFirstSlider(page: Page, fraction: number): Promise<void> {
  const box = (await page.getByTestId('latent-slider').first().boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width / 2, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(box.x + box.width / 2 + (i / 10) * fraction * box.width, y);
    await page.waitForTimeout(30);
  }
  await page.mouse.up();
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  mkdirSync(DOCS, { recursive: true });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-docs-'));
  const { build } = await import('vite');
  const rendererDir = path.join(scratch, 'renderer');
  await build({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: rendererDir, sourcemap: false },
  });
  const server = await startServer({
    libraryDir: path.join(scratch, 'library'),
    demoDir: path.join(root, 'resources', 'demo'),
    rendererDir,
    warn: () => {},
  });
  const browser = await launchChromium({ gl: 'swiftshader' });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(server.url);

    // 1. The explorer on the MNIST demo: cloud, sliders, decoded previews.
    await openModel(page, /mnist-gaussian/, /gaussian/);
    await until('preview', async () => (await attr(page, 'traversal-preview', 'data-drawn')) > 0);
    await dragFirstSlider(page, 0.3);
    await page.waitForTimeout(2000);
    await shoot(page, 'explorer.png');

    // 2. Its coverage report.
    await page.getByRole('tab', { name: 'Coverage' }).click();
    await until('verdicts', async () => (await page.getByTestId('verdicts').count()) === 1);
    await page.waitForTimeout(1500);
    await shoot(page, 'coverage.png');

    // 3. The hypersphere view of the S² model.
    await openModel(page, /\bsphere · d=/, /sphere · d = /);
    // Switching is not atomic yet: wait until the cloud and the view are the S² model's.
    await until('the sphere cloud', async () =>
      /d=3\b/.test((await page.locator('section.viewer .stage').textContent()) ?? ''),
    );
    const sphereView = page.getByRole('button', { name: 'Sphere', exact: true });
    await until(
      'the sphere view',
      async () => (await sphereView.getAttribute('aria-pressed')) === 'true',
    );
    const compute = page.getByRole('button', { name: 'Compute', exact: true });
    if (await compute.count()) await compute.click();
    await until('sphere verdicts', async () => (await page.getByTestId('verdicts').count()) === 1);
    await page.waitForTimeout(2500);
    await shoot(page, 'sphere.png');

    // 4. A training run with its live cloud, mid-run.
    await openModel(page, /mnist-gaussian/, /gaussian/);
    await page.getByRole('tab', { name: 'Training' }).click();
    await page.getByLabel('Epochs').fill('4');
    await page.getByRole('spinbutton', { name: 'Items' }).fill('6000');
    await page.getByLabel('Model name').fill('my first model');
    await page.getByTestId('train-start').click();
    const job = page.getByTestId('job-state').locator('..');
    await until(
      'three epochs',
      async () => /epoch 3\/4/.test((await job.textContent()) ?? ''),
      240_000,
    );
    await page.waitForTimeout(1500);
    await shoot(page, 'training.png');
  } finally {
    await browser.close();
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`docs:screenshots: ${err.message}`);
  process.exit(1);
});
