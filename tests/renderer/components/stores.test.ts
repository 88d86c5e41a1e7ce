import { describe, expect, it } from 'vitest';
import { AppState } from '../../../src-renderer/stores/app.svelte';
import { createFakeEngine, latentsEvent } from '../fake-api';
import { installCanvasStubs, settle } from '../dom';

describe('stores', () => {
  it('decodes only the latest slider position while one decode is in flight', async () => {
    installCanvasStubs();
    const engine = createFakeEngine();
    const app = new AppState(engine.api, { storage: null });
    await app.start();
    await settle();
    engine.holdDecodes = true;
    const slot = app.traversal.sliders[0].slot;
    const before = engine.calls.filter((c) => c.method === 'decode').length;
    for (const v of [0.1, 0.2, 0.3, 0.4, 0.5]) app.traversal.setSlider(slot, v);
    await settle();
    // One request in flight; the others collapsed into the latest.
    expect(engine.calls.filter((c) => c.method === 'decode').length - before).toBe(1);
    engine.release();
    await settle();
    engine.release();
    await settle();
    const decodes = engine.calls.filter((c) => c.method === 'decode').slice(before);
    expect(decodes).toHaveLength(2);
    const lastZ = (decodes[1].params as { z: Float32Array }).z;
    const axis = app.traversal.sliders[0].axis;
    expect(lastZ[axis]).toBeCloseTo(0.5, 6);
    engine.holdDecodes = false;
    engine.release();
    app.dispose();
  });

  it('follows live training latents and marks them for a smooth transition', async () => {
    installCanvasStubs();
    const engine = createFakeEngine();
    const app = new AppState(engine.api, { storage: null });
    await app.start();
    app.training.activeJobId = 'job-x';
    const d = app.cloud.data!;
    engine.emit(
      'trainingLatents',
      latentsEvent(d, 'job-x', 3, { means: d.means.map((v) => v * 1.1) }),
    );
    await settle();
    expect(app.cloud.data!.epoch).toBe(3);
    expect(app.cloud.live).toBe(true);
    app.dispose();
  });

  it('reports an unreachable engine instead of throwing', async () => {
    const engine = createFakeEngine();
    engine.api.info = () => Promise.reject(new Error('socket closed'));
    const app = new AppState(engine.api, { storage: null });
    await app.start();
    expect(app.status).toBe('error');
    expect(app.error).toBe('socket closed');
    app.dispose();
  });
});
