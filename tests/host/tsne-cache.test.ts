import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { methods } from '../../src-main/api/contract';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import type { LatentSnapshot } from '../../src-main/api/records';
import {
  readLatentCache,
  weightsVersion,
  writeLatentCache,
  writeUmapCache,
} from '../../src-main/host/inference/latent-cache';

/** A t-SNE kept beside the checkpoint like a UMAP ('tsne3'), each in its own file. */

let scratch: string;
let dir: string;

function snapshot(n: number, dim = 2): LatentSnapshot {
  return {
    means: Float32Array.from({ length: n * dim }, (_, i) => i / 10),
    n,
    dim,
    labels: null,
    labelNames: null,
    indices: Int32Array.from({ length: n }, (_, i) => i),
    split: 'all',
  };
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'atlas-tsne-cache-'));
  dir = path.join(scratch, 'lib', 'model-1');
  await mkdir(path.join(dir, 'encoder'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'm' }));
  await writeFile(path.join(dir, 'encoder', 'weights.bin'), new Uint8Array([1, 2, 3]));
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('the t-SNE cache', () => {
  it('stores a t-SNE beside the UMAP and serves both; a new cloud drops both', async () => {
    const v = (await weightsVersion(dir))!;
    await writeLatentCache(dir, v, 30, snapshot(30));
    const umap = Float32Array.from({ length: 90 }, (_, i) => Math.sin(i));
    const tsne = Float32Array.from({ length: 90 }, (_, i) => Math.cos(i));
    expect((await writeUmapCache(dir, v, 'all', tsne, 30, 'tsne3')).stored).toBe(true);
    let hit = (await readLatentCache(dir, 30, 'all'))!;
    expect(Array.from(hit.tsne3!)).toEqual(Array.from(tsne));
    expect(hit.umap3).toBeUndefined();
    expect((await writeUmapCache(dir, v, 'all', umap, 30)).stored).toBe(true);
    hit = (await readLatentCache(dir, 30, 'all'))!;
    expect(Array.from(hit.umap3!)).toEqual(Array.from(umap));
    expect(Array.from(hit.tsne3!)).toEqual(Array.from(tsne));
    expect((await readLatentCache(dir, 10, 'all'))!.tsne3!.length).toBe(30);
    // A larger cloud replaces the cache: its projections are of other points.
    await writeLatentCache(dir, v, 60, snapshot(60));
    hit = (await readLatentCache(dir, 60, 'all'))!;
    expect(hit.tsne3).toBeUndefined();
    expect(hit.umap3).toBeUndefined();
  });

  it('does not serve a cached t-SNE of the earlier exact 2,000-point method', async () => {
    const v = (await weightsVersion(dir))!;
    await writeLatentCache(dir, v, 30, snapshot(30));
    const old = path.join(dir, 'cache', `tsne3-${v}-all.npy`);
    await writeFile(old, encodeNpy(new Float32Array(90), [30, 3]));
    expect((await readLatentCache(dir, 30, 'all'))!.tsne3).toBeUndefined();
  });

  it("the contract takes kind 'tsne3' and refuses others", () => {
    const params = {
      modelId: 'm',
      weightsVersion: '0123456789abcdef',
      n: 2,
      coords: new Float32Array(6),
    };
    expect(methods.saveProjection.params.safeParse({ ...params, kind: 'tsne3' }).success).toBe(
      true,
    );
    expect(methods.saveProjection.params.safeParse({ ...params, kind: 'pca3' }).success).toBe(
      false,
    );
  });
});
