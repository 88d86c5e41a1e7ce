import { readdir, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents, toyModel, until } from '../api/shared-suite';
import { startForkedHost, type ForkedHost } from './forked-host';

/**
 * The latent cache through the supervisor and a real batch host: encoded once per weights
 * version, served from beside the checkpoint after that, bypassed on request, healed when
 * damaged, and never stale across training (new checkpoints, mid-epoch weights).
 */
describe('opening a model twice encodes its data once', () => {
  let host: ForkedHost;
  let seen: ReturnType<typeof recordEvents>;

  beforeAll(() => {
    host = startForkedHost('atlas-latent-cache-');
    seen = recordEvents(host.api);
  });
  afterAll(() => host.close());

  const stateOf = (jobId: string) =>
    seen.jobChanged.filter((e) => e.job.jobId === jobId).at(-1)?.job.state;

  it('caches, serves, bypasses, heals and invalidates', { timeout: 120_000 }, async () => {
    const { api, libraryDir } = host;
    const { job } = await api.startTraining({
      dataset: { spec: 'toy:rings', options: { limit: 600 } },
      model: toyModel,
      train: { epochs: 1, batchSize: 50, learningRate: 0.01 },
      latentLimit: 0,
    });
    await until(() => stateOf(job.jobId) === 'completed', 'training to complete');
    const modelId = job.modelId;

    const first = await api.latents({ modelId, limit: 300 });
    expect(first.source).toBe('encoded');
    expect(first.weightsVersion).toMatch(/^[0-9a-f]{16}$/);
    const cacheDir = path.join(libraryDir, modelId, 'cache');
    expect((await readdir(cacheDir)).some((f) => f.endsWith('.json'))).toBe(true);

    const second = await api.latents({ modelId, limit: 300 });
    expect(second.source).toBe('cache');
    expect(second.weightsVersion).toBe(first.weightsVersion);
    expect(Array.from(second.means)).toEqual(Array.from(first.means));
    expect(Array.from(second.indices)).toEqual(Array.from(first.indices));
    expect(second.umap3).toBeUndefined();
    // Fewer points come from the same cache; `cache: false` encodes as before it.
    expect((await api.latents({ modelId, limit: 100 })).source).toBe('cache');
    expect((await api.latents({ modelId, limit: 300, cache: false })).source).toBe('encoded');

    // The whole cloud asked for after its first points encodes only the rest (across the
    // train/test boundary here), and is the cloud encoded in one go.
    const whole = await api.latents({ modelId, limit: 650, cache: false });
    expect(whole.n).toBe(650);
    expect(whole.indices[649]).toBe(649); // 600 training items, then test items
    const head = await api.latents({ modelId, limit: 500, cache: false });
    const joined = await api.latents({ modelId, limit: 650, cache: false });
    expect(Array.from(joined.indices)).toEqual(Array.from(whole.indices));
    expect(Array.from(joined.labels ?? [])).toEqual(Array.from(whole.labels ?? []));
    expect(Array.from(joined.means.subarray(0, 1000))).toEqual(Array.from(head.means));
    const gap = (a: Float32Array, b: Float32Array) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(gap(joined.means, whole.means)).toBeLessThan(1e-5);
    expect(gap(joined.errors!, whole.errors!)).toBeLessThan(1e-3);

    // The page's UMAP is stored for these weights only, and comes back with the cloud.
    const coords = Float32Array.from({ length: 900 }, (_, i) => Math.cos(i));
    const wrong = await api.saveProjection({
      modelId,
      weightsVersion: 'ffffffffffffffff',
      kind: 'umap3',
      n: 300,
      coords,
    });
    expect(wrong.stored).toBe(false);
    const v = first.weightsVersion!;
    expect(
      (await api.saveProjection({ modelId, weightsVersion: v, kind: 'umap3', n: 300, coords }))
        .stored,
    ).toBe(true);
    expect(Array.from((await api.latents({ modelId, limit: 300 })).umap3!)).toEqual(
      Array.from(coords),
    );
    await expect(
      api.saveProjection({
        modelId,
        weightsVersion: v,
        kind: 'umap3',
        n: 300,
        coords: coords.map(() => NaN),
      }),
    ).rejects.toThrow(/NaN/);

    // A damaged file: a miss, encoded again, and the cache is whole again after.
    await truncate(path.join(cacheDir, `latents-${v}-all.npy`), 64);
    expect((await api.latents({ modelId, limit: 300 })).source).toBe('encoded');
    expect((await api.latents({ modelId, limit: 300 })).source).toBe('cache');

    // Training on: mid-epoch weights are never served from (or written to) the cache. Wait for
    // the job's first new weights (a mid-epoch snapshot or, on a busy machine, its checkpoint):
    // before them the weights are still the cached ones.
    const changesBefore = seen.weightsChanged.length;
    const more = await api.continueTraining({
      modelId,
      epochs: 1,
      latentLimit: 0,
      snapshotSeconds: 0.1,
    });
    await until(() => seen.weightsChanged.length > changesBefore, 'new weights');
    const during = await api.latents({ modelId, limit: 300 });
    expect(during.source).toBe('encoded');
    await until(() => stateOf(more.job.jobId) === 'completed', 'the second epoch');
    // New weights: a new version, encoded afresh, the old cache files gone.
    const after = await api.latents({ modelId, limit: 300 });
    expect(after.source).toBe('encoded');
    expect(after.weightsVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(after.weightsVersion).not.toBe(v);
    expect(Array.from(after.means)).not.toEqual(Array.from(first.means));
    expect((await api.latents({ modelId, limit: 300 })).source).toBe('cache');
    expect((await readdir(cacheDir)).every((f) => !f.includes(v))).toBe(true);
  });
});
