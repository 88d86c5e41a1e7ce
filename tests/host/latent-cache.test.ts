import { cp, mkdir, mkdtemp, readdir, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LatentSnapshot } from '../../src-main/api/records';
import {
  CACHE_FOLDER,
  readLatentCache,
  servesCheckpoint,
  weightsVersion,
  writeLatentCache,
  writeUmapCache,
} from '../../src-main/host/inference/latent-cache';
import { writeLiveWeights } from '../../src-main/host/training/live-weights';

/** The cache beside a checkpoint, on a stand-in checkpoint folder (files only, no engine). */

let scratch: string;
let dir: string;

async function checkpoint(folder: string, weights: number[]): Promise<void> {
  await mkdir(path.join(folder, 'encoder'), { recursive: true });
  await writeFile(
    path.join(folder, 'manifest.json'),
    JSON.stringify({ name: 'm', dataset: { spec: 'mnist', options: {} } }),
  );
  await writeFile(path.join(folder, 'encoder', 'weights.bin'), new Uint8Array(weights));
}

function snapshot(n: number, dim = 2, split: 'all' | 'test' = 'all'): LatentSnapshot {
  return {
    means: Float32Array.from({ length: n * dim }, (_, i) => i / 10),
    n,
    dim,
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    labelNames: Array.from({ length: 10 }, (_, i) => `d${i}`),
    indices: Int32Array.from({ length: n }, (_, i) => 2 * i),
    split,
    errors: Float32Array.from({ length: n }, (_, i) => 100 + i),
  };
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'atlas-latent-cache-'));
  dir = path.join(scratch, 'lib', 'model-1');
  await checkpoint(dir, [1, 2, 3, 4]);
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('the latent cache beside a checkpoint', () => {
  it('misses, stores, then serves the same cloud (and a prefix of it for fewer points)', async () => {
    expect(await readLatentCache(dir, 100, 'all')).toBeUndefined();
    const v = (await weightsVersion(dir))!;
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(await writeLatentCache(dir, v, 100, snapshot(100))).toBe(true);
    const hit = (await readLatentCache(dir, 100, 'all'))!;
    expect(hit.weightsVersion).toBe(v);
    expect(hit.n).toBe(100);
    expect(Array.from(hit.means)).toEqual(Array.from(snapshot(100).means));
    expect(Array.from(hit.labels!)).toEqual(Array.from(snapshot(100).labels!));
    expect(Array.from(hit.indices)).toEqual(Array.from(snapshot(100).indices));
    expect(Array.from(hit.errors!)).toEqual(Array.from(snapshot(100).errors!));
    expect(hit.labelNames).toEqual(snapshot(1).labelNames);
    expect(hit.umap3).toBeUndefined();
    const prefix = (await readLatentCache(dir, 10, 'all'))!;
    expect(prefix.n).toBe(10);
    expect(Array.from(prefix.means)).toEqual(Array.from(snapshot(10).means));
    // More points than were encoded, or another split: a miss.
    expect(await readLatentCache(dir, 101, 'all')).toBeUndefined();
    expect(await readLatentCache(dir, 10, 'test')).toBeUndefined();
    // A smaller cloud never replaces a larger one.
    expect(await writeLatentCache(dir, v, 10, snapshot(10))).toBe(false);
    expect((await readLatentCache(dir, 100, 'all'))!.n).toBe(100);
  });

  it('keys by content: a copied checkpoint (new file times) keeps its cache', async () => {
    const v = (await weightsVersion(dir))!;
    await writeLatentCache(dir, v, 50, snapshot(50));
    const copy = path.join(scratch, 'lib', 'copy');
    await cp(dir, copy, { recursive: true });
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(copy, 'encoder', 'weights.bin'), later, later);
    expect(await weightsVersion(copy)).toBe(v);
    expect((await readLatentCache(copy, 50, 'all'))?.n).toBe(50);
  });

  it('is invalidated by new weights, and the old files go at the next write', async () => {
    const v = (await weightsVersion(dir))!;
    await writeLatentCache(dir, v, 50, snapshot(50));
    // A checkpoint swaps in a new folder; rewriting in place must be caught as well.
    await writeFile(path.join(dir, 'encoder', 'weights.bin'), new Uint8Array([1, 2, 3, 5]));
    const v2 = (await weightsVersion(dir))!;
    expect(v2).not.toBe(v);
    expect(await readLatentCache(dir, 50, 'all')).toBeUndefined();
    expect((await writeUmapCache(dir, v, 'all', new Float32Array(150), 50)).stored).toBe(false);
    await writeLatentCache(dir, v2, 50, snapshot(50));
    const files = await readdir(path.join(dir, CACHE_FOLDER));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.includes(v2))).toBe(true);
    // The dataset the manifest records is part of what the cloud is of.
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ name: 'm', dataset: { spec: 'fashion', options: {} } }),
    );
    expect(await readLatentCache(dir, 50, 'all')).toBeUndefined();
  });

  it('ignores a damaged file (a miss), and a rewrite heals it', async () => {
    const v = (await weightsVersion(dir))!;
    await writeLatentCache(dir, v, 50, snapshot(50));
    const means = path.join(dir, CACHE_FOLDER, `latents-${v}-all.npy`);
    await truncate(means, 100);
    expect(await readLatentCache(dir, 50, 'all')).toBeUndefined();
    await writeFile(means, 'not an npy file at all');
    expect(await readLatentCache(dir, 50, 'all')).toBeUndefined();
    // The encode that answers the miss replaces the damaged cache.
    expect(await writeLatentCache(dir, v, 50, snapshot(50))).toBe(true);
    expect((await readLatentCache(dir, 50, 'all'))?.n).toBe(50);
    await writeFile(path.join(dir, CACHE_FOLDER, `latents-${v}-all.json`), '{"format": 1');
    expect(await readLatentCache(dir, 50, 'all')).toBeUndefined();
  });

  it('stores a UMAP only for the cached cloud of the current weights, and serves it with it', async () => {
    const v = (await weightsVersion(dir))!;
    const coords = Float32Array.from({ length: 150 }, (_, i) => Math.sin(i));
    expect((await writeUmapCache(dir, v, 'all', coords, 50)).stored).toBe(false); // no cloud yet
    await writeLatentCache(dir, v, 50, snapshot(50));
    expect((await writeUmapCache(dir, v, 'all', coords.subarray(0, 120), 40)).stored).toBe(false);
    expect((await writeUmapCache(dir, v, 'all', coords, 50)).stored).toBe(true);
    const hit = (await readLatentCache(dir, 50, 'all'))!;
    expect(Array.from(hit.umap3!)).toEqual(Array.from(coords));
    expect((await readLatentCache(dir, 20, 'all'))!.umap3!.length).toBe(60);
    // A damaged UMAP file is dropped, not the cloud.
    await truncate(path.join(dir, CACHE_FOLDER, `umap3-${v}-all.npy`), 90);
    const without = (await readLatentCache(dir, 50, 'all'))!;
    expect(without.n).toBe(50);
    expect(without.umap3).toBeUndefined();
  });

  it('says a model serves live weights while newer ones than its checkpoint exist', async () => {
    const lib = path.dirname(dir);
    expect(await servesCheckpoint(lib, 'model-1')).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    await writeLiveWeights(lib, 'model-1', (live) => checkpoint(live, [9, 9]));
    expect(await servesCheckpoint(lib, 'model-1')).toBe(false);
    expect(await servesCheckpoint(lib, 'no-such-model')).toBe(false);
  });
});
