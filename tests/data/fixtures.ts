import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Dataset } from '../../src-main/engine/data/dataset';

/** IDX bytes: 00 00 08 rank, big-endian uint32 dims, then the data. */
export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * `count` tiny images of h×w whose first two pixels encode their own index (i % 256, i / 256), so
 * a test can tell which source item any batch row came from.
 */
export function taggedImages(count: number, h = 4, w = 4): Uint8Array {
  const data = new Uint8Array(count * h * w);
  for (let i = 0; i < count; i++) {
    data[i * h * w] = i % 256;
    data[i * h * w + 1] = Math.floor(i / 256);
    data.fill(200, i * h * w + 2, (i + 1) * h * w);
  }
  return data;
}

/** The source index of every item of a dataset built from `taggedImages`. */
export function tagsOf(dataset: Dataset): number[] {
  const size = dataset.itemShape.reduce((a, b) => a * b, 1);
  const all = dataset.batch(Array.from({ length: dataset.count }, (_, i) => i));
  return Array.from({ length: dataset.count }, (_, i) => {
    return Math.round(all[i * size] * 255) + 256 * Math.round(all[i * size + 1] * 255);
  });
}

export async function writeIdx(
  path: string,
  dims: number[],
  data: Uint8Array,
  gzip = false,
): Promise<string> {
  const bytes = idxBytes(dims, data);
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `latent-atlas-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every item of a dataset as one array (small datasets only). */
export function allItems(dataset: Dataset): Float32Array {
  return dataset.batch(Array.from({ length: dataset.count }, (_, i) => i));
}

/** Byte-for-byte equality of two typed arrays (far faster than toEqual on large arrays). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
