// `npx tsx scripts/cache-demos.ts [DEMO_DIR]`: computes the cache each bundled demo ships beside
// its checkpoint (resources/demo/<name>/cache): the 10,000-point cloud the page opens with and,
// for non-spherical latents, its 3D UMAP, exactly as the app would compute and store them (the
// engine encodes through the supervisor; UMAP as the page runs it). Run it after the demos are
// retrained: caches are keyed by a hash of the weights, so a stale one is merely ignored.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAtlasApi } from '../src-main/api/atlas-api';
import { forkLauncher } from '../src-main/host/process/fork-launcher';
import { Supervisor } from '../src-main/host/process/supervisor';
import { extendEmbedding, runUmap, UMAP_MAX } from '../src-renderer/lib/projection/umap-run';
import { createRng } from '../src-renderer/lib/rng';

/** What the page asks for (app.svelte.ts); UMAP runs as the page runs it (viewer/umap-scheduler.ts). */
const POINTS = 10_000;

const demoDir = path.resolve(process.argv[2] ?? 'resources/demo');
const scratch = await mkdtemp(path.join(os.tmpdir(), 'atlas-cache-demos-'));
const libraryDir = path.join(scratch, 'library');
const supervisor = new Supervisor({
  libraryDir,
  demoDir,
  launcher: forkLauncher(),
  transport: 'direct',
});
const api = createAtlasApi(supervisor.invoke, supervisor.subscribe);
try {
  const { models } = await api.listModels({});
  for (const model of models) {
    if (!existsSync(path.join(demoDir, model.name, 'manifest.json'))) {
      console.log(`${model.name}: not a folder of ${demoDir} by that name; skipped`);
      continue;
    }
    const started = performance.now();
    const cloud = await api.latents({ modelId: model.modelId, limit: POINTS, cache: true });
    const line = [`${model.name}: ${cloud.n} points (${cloud.source})`];
    const spherical = model.latent.kind === 'sphere' || model.latent.kind === 'power-sphere';
    if (!spherical && !cloud.umap3) {
      const sample = Math.min(cloud.n, UMAP_MAX);
      const embedding = runUmap(cloud.means, sample, cloud.dim, { seed: 1 });
      const rng = createRng(7);
      const full =
        sample === cloud.n ? embedding : extendEmbedding(cloud, embedding, sample, rng.uniform);
      const saved = await api.saveProjection({
        modelId: model.modelId,
        weightsVersion: cloud.weightsVersion!,
        kind: 'umap3',
        split: cloud.split,
        n: cloud.n,
        coords: full,
      });
      line.push(saved.stored ? 'UMAP stored' : `UMAP not stored: ${saved.reason}`);
    }
    await rm(path.join(demoDir, model.name, 'cache'), { recursive: true, force: true });
    await cp(
      path.join(libraryDir, model.modelId, 'cache'),
      path.join(demoDir, model.name, 'cache'),
      {
        recursive: true,
      },
    );
    console.log(`${line.join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  supervisor.close();
  await rm(scratch, { recursive: true, force: true });
}
