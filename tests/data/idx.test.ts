import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdx } from '../../src-main/engine/data/idx';
import { openDataset } from '../../src-main/engine/data/registry';
import { allItems, idxBytes, tagsOf, taggedImages, tempDir, writeIdx } from './fixtures';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('idx'));
});
afterAll(() => cleanup());

describe('IDX reader', () => {
  it('reads dims and bytes, plain or gzipped', async () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    for (const gzip of [false, true]) {
      const file = await writeIdx(join(dir, `plain-${gzip}.idx`), [2, 3, 4], data, gzip);
      const idx = await readIdx(file);
      expect(idx.dims).toEqual([2, 3, 4]);
      expect([...idx.data]).toEqual([...data]);
    }
  });

  it('rejects a file that is not IDX, naming it', async () => {
    const file = join(dir, 'picture.png');
    await writeFile(file, Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0));
    await expect(readIdx(file)).rejects.toThrow(
      `${file}: not an IDX file (starts with 89 50 4e 47`,
    );
    expect(() => parseIdx(new Uint8Array(0), 'empty.idx')).toThrow('empty.idx: not an IDX file');
  });

  it('rejects element types other than unsigned bytes', () => {
    const bytes = idxBytes([1], Uint8Array.of(0, 0, 0, 0));
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, 'floats.idx')).toThrow(
      'floats.idx: IDX elements are float32 (0xd); only unsigned bytes (0x08) are supported',
    );
  });

  it('rejects truncated data and headers, naming the file', async () => {
    const whole = idxBytes([10, 4, 4], taggedImages(10));
    const file = join(dir, 'truncated-idx3-ubyte');
    await writeFile(file, whole.subarray(0, whole.length - 5));
    await expect(readIdx(file)).rejects.toThrow(
      `${file}: truncated IDX file: dimensions [10, 4, 4] need 160 bytes of data, found 155`,
    );
    expect(() => parseIdx(whole.subarray(0, 9), 'head.idx')).toThrow(
      'head.idx: truncated IDX header',
    );
  });

  it('rejects trailing bytes (a wrong header is likelier than padding)', () => {
    const bytes = idxBytes([2], Uint8Array.of(1, 2, 3));
    expect(() => parseIdx(bytes, 'long.idx')).toThrow('long.idx: IDX file has 1 unexpected bytes');
  });

  it('rejects a corrupt gzip file, naming it', async () => {
    const file = join(dir, 'broken.gz');
    await writeFile(file, Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
    await expect(readIdx(file)).rejects.toThrow(`${file}: looks gzipped but does not decompress`);
  });

  it('names a missing file', async () => {
    const file = join(dir, 'missing-idx3-ubyte');
    await expect(readIdx(file)).rejects.toThrow(`${file}: cannot read IDX file`);
  });
});

describe('idx:IMAGES[,LABELS] dataset', () => {
  let images: string;
  let labels: string;
  const count = 700;

  beforeAll(async () => {
    images = await writeIdx(join(dir, 'digits-images.idx'), [count, 4, 4], taggedImages(count));
    const labelBytes = Uint8Array.from({ length: count }, (_, i) => i % 3);
    labels = await writeIdx(join(dir, 'digits-labels.idx'), [count], labelBytes, true);
  });

  it('splits one file set 6:1, disjoint, with labels following their images', async () => {
    const split = await openDataset(`idx:${images},${labels}`, { seed: 1 });
    expect(split.train.count).toBe(600);
    expect(split.test.count).toBe(100);
    expect(split.train.itemShape).toEqual([4, 4, 1]);
    expect(split.train.labelNames).toEqual(['0', '1', '2']);
    const trainTags = tagsOf(split.train);
    const testTags = tagsOf(split.test);
    expect(new Set([...trainTags, ...testTags]).size).toBe(count);
    trainTags.forEach((tag, i) => expect(split.train.labels![i]).toBe(tag % 3));
    testTags.forEach((tag, i) => expect(split.test.labels![i]).toBe(tag % 3));
    expect(split.warnings).toEqual([]);
  });

  it('is deterministic in the seed', async () => {
    const a = await openDataset(`idx:${images}`, { seed: 4 });
    const b = await openDataset(`idx:${images}`, { seed: 4 });
    const c = await openDataset(`idx:${images}`, { seed: 5 });
    expect(allItems(a.train)).toEqual(allItems(b.train));
    expect(tagsOf(a.test)).toEqual(tagsOf(b.test));
    expect(tagsOf(a.test)).not.toEqual(tagsOf(c.test));
    expect(a.train.labels).toBeUndefined();
  });

  it('--limit keeps the first items of each split', async () => {
    const full = await openDataset(`idx:${images}`, { seed: 2 });
    const limited = await openDataset(`idx:${images}`, { seed: 2, limit: 60 });
    expect(limited.train.count).toBe(60);
    expect(limited.test.count).toBe(10);
    expect(tagsOf(limited.train)).toEqual(tagsOf(full.train).slice(0, 60));
    expect(limited.train.descriptor.options).toEqual({ seed: 2, limit: 60 });
  });

  it('rejects a label count that differs from the image count, naming both files', async () => {
    const short = await writeIdx(
      join(dir, 'short-labels.idx'),
      [count - 1],
      new Uint8Array(count - 1),
    );
    await expect(openDataset(`idx:${images},${short}`)).rejects.toThrow(
      `${short}: ${count - 1} labels but ${images} holds ${count} images`,
    );
  });

  it('uses a t10k sibling as the published test set', async () => {
    const trainImages = await writeIdx(
      join(dir, 'train-images-idx3-ubyte'),
      [30, 4, 4],
      taggedImages(30),
    );
    const trainLabels = await writeIdx(
      join(dir, 'train-labels-idx1-ubyte'),
      [30],
      new Uint8Array(30).fill(1),
    );
    const testData = taggedImages(40).subarray(30 * 16);
    await writeIdx(join(dir, 't10k-images-idx3-ubyte'), [10, 4, 4], testData);
    await writeIdx(join(dir, 't10k-labels-idx1-ubyte'), [10], new Uint8Array(10).fill(2));
    const split = await openDataset(`idx:${trainImages},${trainLabels}`);
    expect(tagsOf(split.train)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(tagsOf(split.test)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
    expect([...split.test.labels!]).toEqual(new Array(10).fill(2));
    expect(split.train.labelNames).toEqual(['0', '1', '2']);
    const limited = await openDataset(`idx:${trainImages}`, { limit: 3 });
    expect([limited.train.count, limited.test.count]).toEqual([3, 1]);
  });

  it('reads [n, d] files as vectors and [n, h, w, c] as colour images', async () => {
    const vectors = await writeIdx(join(dir, 'vectors.idx'), [14, 5], new Uint8Array(70).fill(255));
    const colour = await writeIdx(join(dir, 'colour.idx'), [14, 2, 2, 3], new Uint8Array(168));
    expect((await openDataset(`idx:${vectors}`)).train.itemShape).toEqual([5]);
    expect((await openDataset(`idx:${colour}`)).train.itemShape).toEqual([2, 2, 3]);
    expect(allItems((await openDataset(`idx:${vectors}`)).test).every((v) => v === 1)).toBe(true);
  });

  it('explains a malformed argument', async () => {
    await expect(openDataset(`idx:${images},${labels},extra`)).rejects.toThrow(
      'idx dataset needs "idx:IMAGES" or "idx:IMAGES,LABELS"',
    );
  });
});
