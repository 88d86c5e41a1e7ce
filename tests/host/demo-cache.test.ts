import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpointManifest } from '../../src-main/engine/io/checkpoint';
import type { DatasetOptions } from '../../src-main/engine/data/dataset';
import { openDataset } from '../../src-main/engine/data/registry';
import { readLatentCache, weightsVersion } from '../../src-main/host/inference/latent-cache';

/**
 * The bundled demos ship the cloud the page opens with (and the Gaussian ones its UMAP), so the
 * very first open is instant. A demo retrained without refreshing its cache would open slowly:
 * run `npx tsx scripts/cache-demos.ts` after scripts/make-demos.sh.
 */
const demoDir = path.resolve('resources/demo');
const demos = existsSync(demoDir)
  ? readdirSync(demoDir).filter((d) => existsSync(path.join(demoDir, d, 'manifest.json')))
  : [];

describe('the bundled demos', () => {
  it('are in the repository', () => {
    expect(demos.length).toBeGreaterThan(0);
  });

  it.each(demos)('%s ships a cache of its current weights', async (name) => {
    const dir = path.join(demoDir, name);
    const version = await weightsVersion(dir);
    const hit = await readLatentCache(dir, 10_000, 'all');
    expect(hit?.weightsVersion, 'stale demo cache: run npx tsx scripts/cache-demos.ts').toBe(
      version,
    );
    expect(hit!.n).toBe(10_000);
    if (!name.includes('sphere')) expect(hit!.umap3?.length).toBe(30_000);
  });

  // The data a demo opens with here is what a user's machine has: for Fashion-MNIST, the bundled
  // copy (LATENT_ATLAS_FASHION_MNIST points at it, whatever Debian's package holds). The cached
  // points must name the same items, with the same labels, as that data.
  it.each(demos)("%s's cached points are items of the data it opens with", async (name) => {
    const dir = path.join(demoDir, name);
    const { dataset } = await readCheckpointManifest(dir);
    const saved = process.env.LATENT_ATLAS_FASHION_MNIST;
    process.env.LATENT_ATLAS_FASHION_MNIST = path.resolve('resources/datasets/fashion-mnist');
    try {
      const data = await openDataset(dataset!.spec, dataset!.options as DatasetOptions);
      const hit = (await readLatentCache(dir, 10_000, 'all'))!;
      const labelOf = (index: number) =>
        index < data.train.count
          ? data.train.labels?.[index]
          : data.test.labels?.[index - data.train.count];
      expect(Math.max(...hit.indices)).toBeLessThan(data.train.count + data.test.count);
      if (hit.labels) {
        const wrong = Array.from(hit.indices).filter(
          (index, k) => labelOf(index) !== hit.labels![k],
        );
        expect(wrong.length).toBe(0);
      }
    } finally {
      if (saved === undefined) delete process.env.LATENT_ATLAS_FASHION_MNIST;
      else process.env.LATENT_ATLAS_FASHION_MNIST = saved;
    }
  });
});
