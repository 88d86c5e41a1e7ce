import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLatentCache, weightsVersion } from '../../src-main/host/latent-cache';

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
});
