import { screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settle } from '../dom';
import { FAKE_WEIGHTS_VERSION } from '../fake-api';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * Opening is instant: the page asks for the points with the model, shows the first ones while
 * the rest are encoded, opens on the cached UMAP when the engine has one (computing none), and
 * otherwise computes it unseen after the first view and stores it with the engine.
 */

const umap = vi.hoisted(() => ({
  jobs: [] as { n: number; resolve: (e: Float32Array) => void }[],
}));

vi.mock('../../../src-renderer/viewer/projection-client', () => ({
  startUmap: (_data: Float32Array, n: number) => {
    let resolve!: (e: Float32Array) => void;
    const promise = new Promise<Float32Array>((r) => (resolve = r));
    umap.jobs.push({ n, resolve });
    return { promise, cancel: () => {} };
  },
}));

beforeEach(() => void (umap.jobs.length = 0));
afterEach(disposeFakeApps);

const N = 300; // the fake engine's cloud size
const embedding = () => Float32Array.from({ length: N * 3 }, (_, i) => Math.sin(i));

describe('opening a model', () => {
  it('opens on the UMAP the engine cached, computing none', async () => {
    const { app } = await startFakeApp({
      render: true,
      configure: (engine) => engine.projections.set('mnist-gaussian', embedding()),
    });
    expect(app.modelId).toBe('mnist-gaussian');
    expect(app.cloud.data?.umap?.length).toBe(N * 3);
    expect(app.viewer.mode).toBe('umap');
    await new Promise((r) => setTimeout(r, 1700));
    await settle();
    expect(umap.jobs).toEqual([]);
    expect(screen.getByRole('button', { name: 'UMAP' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('computes a missing UMAP after the first view, stores it, and the next open uses it', async () => {
    const { app, engine } = await startFakeApp({ render: true });
    expect(app.viewer.mode).toBe('pca');
    expect(app.cloud.data?.weightsVersion).toBe(FAKE_WEIGHTS_VERSION);
    expect(umap.jobs).toEqual([]); // not in the first view's way
    await new Promise((r) => setTimeout(r, 1700));
    expect(umap.jobs.map((j) => j.n)).toEqual([N]);
    umap.jobs[0].resolve(embedding());
    await settle();
    const saves = engine.calls.filter((c) => c.method === 'saveProjection');
    expect(saves).toHaveLength(1);
    expect(saves[0].params).toMatchObject({
      modelId: 'mnist-gaussian',
      weightsVersion: FAKE_WEIGHTS_VERSION,
      kind: 'umap3',
      n: N,
    });
    // The view the person is looking at stays; switching to UMAP is instant now.
    expect(app.viewer.mode).toBe('pca');
    screen.getByRole('button', { name: 'UMAP' }).click();
    await settle();
    expect(umap.jobs).toHaveLength(1);
    expect(app.viewer.umap).toBeNull();
    // Another model, then back: it opens on the stored UMAP.
    app.viewer.setMode('pca', false);
    await app.openModel('mnist-sphere');
    expect(app.viewer.mode).toBe('sphere');
    await app.openModel('mnist-gaussian');
    await settle();
    expect(app.cloud.data?.umap?.length).toBe(N * 3);
    expect(app.viewer.mode).toBe('umap');
    expect(umap.jobs).toHaveLength(1);
  });

  it('keeps a projection the person picked', async () => {
    const { app, engine } = await startFakeApp({ render: true });
    engine.projections.set('mnist-gaussian', embedding());
    app.viewer.pick('pca', false);
    await app.openModel('mnist-gaussian');
    expect(app.cloud.data?.umap).not.toBeNull();
    expect(app.viewer.mode).toBe('pca');
  });

  it('shows the first points while the rest are encoded', async () => {
    const { app, engine } = await startFakeApp({ render: true });
    const requests = () =>
      engine.calls
        .filter((c) => c.method === 'latents')
        .map((c) => (c.params as { limit: number }).limit);
    expect(requests()).toEqual([1000, 10_000]);
    // The whole cloud takes a while; the first thousand points do not.
    engine.delayMs = (method, params) =>
      method === 'latents' && (params as { limit: number }).limit > 1000 ? 300 : 0;
    const opening = app.openModel('mnist-sphere');
    await new Promise((r) => setTimeout(r, 100));
    await settle();
    expect(app.cloud.data?.modelId).toBe('mnist-sphere');
    expect(app.cloud.data?.partial).toBe(true);
    expect(app.cloud.loading).toBe(false);
    expect(screen.getByTestId('viewer-streaming').textContent).toMatch(/encoding all 10,000/);
    // The sliders that come with the first points start from them at once.
    expect(app.traversal.base?.length).toBe(3);
    await opening;
    await settle();
    expect(app.cloud.data?.partial).toBe(false);
    expect(app.cloud.pending).toBe(0);
    expect(screen.queryByTestId('viewer-streaming')).toBeNull();
  });

  it('shows a cached cloud whole, not its first points first', async () => {
    const { app, engine } = await startFakeApp({ render: true });
    engine.projections.set('mnist-sphere', embedding());
    engine.delayMs = (method, params) =>
      method === 'latents' && (params as { limit: number }).limit > 1000 ? 300 : 0;
    const opening = app.openModel('mnist-sphere');
    await new Promise((r) => setTimeout(r, 100));
    expect(app.cloud.data).toBeNull();
    expect(app.cloud.loading).toBe(true);
    await opening;
    expect(app.cloud.data?.partial).toBe(false);
    expect(app.cloud.data?.n).toBe(N);
  });

  it('with the cache off, asks for fresh clouds and stores nothing', async () => {
    const { AppState } = await import('../../../src-renderer/stores/app.svelte');
    const { createFakeEngine } = await import('../fake-api');
    const engine = createFakeEngine();
    engine.projections.set('mnist-gaussian', embedding());
    const app = new AppState(engine.api, { storage: null, useCache: false, coverageDelayMs: 1e6 });
    await app.start();
    const latents = engine.calls.filter((c) => c.method === 'latents');
    expect(latents.every((c) => (c.params as { cache: boolean }).cache === false)).toBe(true);
    expect(app.cloud.data?.umap).toBeNull();
    expect(app.viewer.mode).toBe('pca');
    await app.saveUmap(app.cloud.data!, embedding());
    expect(engine.calls.some((c) => c.method === 'saveProjection')).toBe(false);
    app.dispose();
  });
});
