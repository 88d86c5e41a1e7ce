import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src-main/engine/data/dataset';
import { openDataset } from '../../src-main/engine/data/registry';
import { allItems, sameBytes, tempDir } from './fixtures';

let root: string;
let cleanup: () => Promise<void>;

/** A solid RGB(A) image of the given size in the format the extension names. */
async function solid(path: string, width: number, height: number, rgba: number[]): Promise<void> {
  const [r, g, b, alpha = 1] = rgba;
  const image = sharp({
    create: { width, height, channels: alpha < 1 ? 4 : 3, background: { r, g, b, alpha } },
  });
  const format = path.endsWith('.jpg')
    ? image.jpeg({ quality: 95 })
    : path.endsWith('.webp')
      ? image.webp({ lossless: true })
      : image.png();
  await format.toFile(path);
}

/** Per item: its mean value and whether it is uniform (letterboxing by edge copy keeps it so). */
function levels(dataset: Dataset): { mean: number; uniform: boolean }[] {
  const size = dataset.itemShape.reduce((a, b) => a * b, 1);
  const items = allItems(dataset);
  return Array.from({ length: dataset.count }, (_, i) => {
    const item = items.subarray(i * size, (i + 1) * size);
    const mean = item.reduce((a, b) => a + b, 0) / size;
    return { mean, uniform: item.every((v) => Math.abs(v - mean) < 3 / 255) };
  });
}

const near = (level: number) => (x: { mean: number }) => Math.abs(x.mean * 255 - level) < 3;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('folder'));
  const mixed = join(root, 'mixed');
  await mkdir(mixed);
  await solid(join(mixed, 'wide.png'), 40, 20, [100, 100, 100]);
  await solid(join(mixed, 'tall.jpg'), 17, 33, [150, 150, 150]);
  await solid(join(mixed, 'red.webp'), 64, 64, [255, 0, 0]);
  await solid(join(mixed, 'clear.png'), 10, 10, [0, 0, 0, 0]);
  await solid(join(mixed, 'photo.jpg'), 1200, 800, [200, 200, 200]);
  await writeFile(join(mixed, 'broken.png'), 'this is not a png');
  await writeFile(join(mixed, 'notes.txt'), 'ignored: not an image name');
  await writeFile(join(mixed, '.hidden.png'), 'ignored: hidden');

  const sorted = join(root, 'sorted');
  await mkdir(join(sorted, 'cats', 'nested'), { recursive: true });
  await mkdir(join(sorted, 'dogs'));
  await mkdir(join(sorted, 'empty'));
  for (const [i, name] of [
    'cats/a.png',
    'cats/b.png',
    'dogs/a.png',
    'dogs/b.jpg',
    'dogs/c.webp',
    'loose.png',
    'cats/nested/deep.png',
  ].entries()) {
    await solid(join(sorted, name), 12, 12, [20 * i, 20 * i, 20 * i]);
  }

  const levelled = join(root, 'levelled');
  await mkdir(levelled);
  for (let i = 0; i < 14; i++)
    await solid(join(levelled, `img-${i}.png`), 8 + i, 8, [15 * i, 15 * i, 15 * i]);

  await mkdir(join(root, 'empty'));
  await mkdir(join(root, 'no-images'));
  await writeFile(join(root, 'no-images', 'readme.txt'), 'hello');
  await mkdir(join(root, 'all-broken'));
  await writeFile(join(root, 'all-broken', 'x.jpg'), 'nope');
});
afterAll(() => cleanup());

describe('folder:DIR', () => {
  it('decodes PNG, JPEG and WebP of any size to 32×32 gray, skipping an unreadable file', async () => {
    const split = await openDataset(`folder:${join(root, 'mixed')}`);
    expect(split.train.itemShape).toEqual([32, 32, 1]);
    expect(split.train.count + split.test.count).toBe(5);
    expect(split.warnings).toEqual(['skipped 1 unreadable file(s): broken.png']);
    const all = [...levels(split.train), ...levels(split.test)];
    expect(all.every((x) => x.uniform)).toBe(true);
    expect(all.some(near(100))).toBe(true);
    expect(all.some(near(150))).toBe(true);
    expect(all.some(near(200))).toBe(true);
    expect(all.some(near(255))).toBe(true); // transparency flattened onto white
    expect(split.train.labels).toBeUndefined();
    expect(split.train.descriptor).toEqual({
      spec: `folder:${join(root, 'mixed')}`,
      options: { seed: 0, size: 32, channels: 1 },
    });
    expect(split.train.name).toBe('folder:mixed (train)');
  });

  it('keeps colour with channels 3, at the requested size', async () => {
    const split = await openDataset(`folder:${join(root, 'mixed')}`, { channels: 3, size: 16 });
    expect(split.train.itemShape).toEqual([16, 16, 3]);
    const pixels: number[][] = [];
    for (const dataset of [split.train, split.test]) {
      const items = allItems(dataset);
      for (let i = 0; i < dataset.count; i++)
        pixels.push([...items.subarray(i * 768, i * 768 + 3)]);
    }
    expect(pixels).toContainEqual([1, 0, 0]);
    expect(pixels.filter(([r, g, b]) => r === g && g === b)).toHaveLength(4);
  });

  it('letterboxes: a centred square in a 2:1 image stays square, nothing is cropped', async () => {
    const dir = join(root, 'letterbox');
    await mkdir(dir);
    // 40×20 white with a black 10×10 square in the middle.
    const pixels = new Uint8Array(40 * 20).fill(255);
    for (let y = 5; y < 15; y++) pixels.fill(0, y * 40 + 15, y * 40 + 25);
    await sharp(pixels, { raw: { width: 40, height: 20, channels: 1 } })
      .png()
      .toFile(join(dir, 'square.png'));
    const { train } = await openDataset(`folder:${dir}`);
    const image = train.batch([0]);
    const dark = { x0: 32, x1: -1, y0: 32, y1: -1 };
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        if (image[y * 32 + x] < 0.5) {
          dark.x0 = Math.min(dark.x0, x);
          dark.x1 = Math.max(dark.x1, x);
          dark.y0 = Math.min(dark.y0, y);
          dark.y1 = Math.max(dark.y1, y);
        }
      }
    }
    // Scale 32/40 = 0.8: an 8×8 square at columns 12-19 and rows 8 + 4…11 = 12-19.
    expect(dark).toEqual({ x0: 12, x1: 19, y0: 12, y1: 19 });
    expect(image[0]).toBe(1); // padding repeats the white edge
  });

  it('applies EXIF orientation before letterboxing', async () => {
    const dir = join(root, 'oriented');
    await mkdir(dir);
    // Stored 40×20 with the left quarter black; orientation 6 shows it turned a quarter
    // clockwise: 20×40 with the top quarter black.
    const pixels = new Uint8Array(40 * 20).fill(255);
    for (let y = 0; y < 20; y++) pixels.fill(0, y * 40, y * 40 + 10);
    await sharp(pixels, { raw: { width: 40, height: 20, channels: 1 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toFile(join(dir, 'turned.jpg'));
    const image = (await openDataset(`folder:${dir}`)).train.batch([0]);
    const row = (y: number) => image.subarray(y * 32, (y + 1) * 32);
    expect(row(2).every((v) => v < 0.2)).toBe(true);
    expect(row(29).every((v) => v > 0.8)).toBe(true);
  });

  it('labels images by subfolder, one level deep', async () => {
    const split = await openDataset(`folder:${join(root, 'sorted')}`);
    expect(split.train.labelNames).toEqual(['cats', 'dogs', '(unsorted)']);
    expect(split.test.labelNames).toEqual(['cats', 'dogs', '(unsorted)']);
    const counts = [0, 0, 0];
    for (const label of [...split.train.labels!, ...split.test.labels!]) counts[label]++;
    expect(counts).toEqual([2, 3, 1]);
    expect(split.warnings).toEqual([
      `${join(root, 'sorted')}: ignored 1 folder(s) nested more than one level deep`,
    ]);
    // cats/a.png is black (level 0), dogs/a.png level 40: labels follow their images.
    const all = [...levels(split.train), ...levels(split.test)];
    const labels = [...split.train.labels!, ...split.test.labels!];
    expect(labels[all.findIndex(near(0))]).toBe(0);
    expect(labels[all.findIndex(near(40))]).toBe(1);
    expect(labels[all.findIndex(near(100))]).toBe(2);
  });

  it('splits 12 / 2 deterministically by seed, disjoint and complete', async () => {
    const dir = `folder:${join(root, 'levelled')}`;
    const a = await openDataset(dir, { seed: 5 });
    const b = await openDataset(dir, { seed: 5 });
    const c = await openDataset(dir, { seed: 6 });
    expect([a.train.count, a.test.count]).toEqual([12, 2]);
    expect(sameBytes(allItems(a.train), allItems(b.train))).toBe(true);
    expect(sameBytes(allItems(a.test), allItems(b.test))).toBe(true);
    expect(sameBytes(allItems(a.train), allItems(c.train))).toBe(false);
    const found = [...levels(a.train), ...levels(a.test)].map((x) =>
      Math.round((x.mean * 255) / 15),
    );
    expect(found.sort((x, y) => x - y)).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });

  it('--limit caps train and keeps one test image', async () => {
    const full = await openDataset(`folder:${join(root, 'levelled')}`, { seed: 5 });
    const split = await openDataset(`folder:${join(root, 'levelled')}`, { seed: 5, limit: 6 });
    expect([split.train.count, split.test.count]).toEqual([6, 1]);
    expect(sameBytes(allItems(split.train), allItems(full.train).subarray(0, 6 * 1024))).toBe(true);
  });

  it('explains a missing folder, an empty one, and one without readable images', async () => {
    const missing = join(root, 'nowhere');
    await expect(openDataset(`folder:${missing}`)).rejects.toThrow(
      `image folder not found: ${missing}`,
    );
    await expect(openDataset(`folder:${join(root, 'empty')}`)).rejects.toThrow(
      `${join(root, 'empty')}: no images found (looked for .png, .jpg`,
    );
    await expect(openDataset(`folder:${join(root, 'no-images')}`)).rejects.toThrow(
      'no images found',
    );
    await expect(openDataset(`folder:${join(root, 'all-broken')}`)).rejects.toThrow(
      `${join(root, 'all-broken')}: none of the 1 image file(s) could be decoded`,
    );
    const file = join(root, 'mixed', 'wide.png');
    await expect(openDataset(`folder:${file}`)).rejects.toThrow(`not a folder: ${file}`);
  });
});
