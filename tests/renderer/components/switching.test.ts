import { render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

afterEach(disposeFakeApps);

/**
 * What is on screen belongs to one model at every moment: the header, the cloud and its badge,
 * the sliders, the preview, the selection and the coverage report. Returns what disagrees.
 */
function inconsistencies(app: AppState): string[] {
  // What a person sees: the DOM after Svelte has applied the pending state.
  flushSync();
  const wrong: string[] = [];
  const current = app.library.current;
  const cloud = app.cloud.data;
  const header = screen.queryByTestId('current-model')?.textContent ?? '';
  if (!current) {
    if (cloud) wrong.push(`a cloud of ${cloud.modelId} under no model`);
    if (app.traversal.sliders.length > 0) wrong.push('sliders under no model');
    if (app.traversal.image) wrong.push('a preview under no model');
    if (app.coverage.report) wrong.push('a coverage report under no model');
    const opening = app.openingName;
    if (opening && header !== opening) wrong.push(`header "${header}" while opening ${opening}`);
    return wrong;
  }
  if (header !== current.name) wrong.push(`header "${header}" for ${current.name}`);
  if (cloud && cloud.modelId !== current.modelId)
    wrong.push(`cloud of ${cloud.modelId} under ${current.modelId}`);
  if (cloud && cloud.dim !== current.latent.dim) wrong.push(`cloud d=${cloud.dim}`);
  const sliders = app.traversal.sliders.length;
  const expected = app.spherical ? current.latent.dim - 1 : current.latent.dim;
  if (sliders !== 0 && sliders !== expected) wrong.push(`${sliders} sliders, want ${expected}`);
  const base = app.traversal.base;
  if (base && base.length !== current.latent.dim)
    wrong.push(`slider base of length ${base.length}`);
  if (app.coverage.report && app.coverage.modelId !== current.modelId)
    wrong.push(`coverage of ${app.coverage.modelId}`);
  if (app.selection.selected !== null && (!cloud || app.selection.selected >= cloud.n))
    wrong.push('a selection from another cloud');
  return wrong;
}

describe('switching models', () => {
  it('is atomic: 10 quick switches with crossing replies end on the last one, consistent throughout', async () => {
    const { app, engine } = await startFakeApp({ render: false, coverageDelayMs: 0 });
    // Replies cross: the first switches answer last, as a slow encode of a big model would.
    let order = 0;
    engine.delayMs = (method) =>
      method === 'latents' || method === 'openModel' ? Math.max(5, 120 - 12 * order++) : 2;
    render(App, { props: { app } });
    await settle();
    app.selection.select(5);
    const ids = ['mnist-sphere', 'mnist-gaussian'];
    const seen: string[] = [];
    const check = () => seen.push(...inconsistencies(app));
    const timer = setInterval(check, 3);
    const opens: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      opens.push(app.openModel(ids[i % 2]));
      check();
      // While a model loads, the panels say so.
      expect(screen.getByTestId('viewer-loading').textContent).toMatch(/Opening|Encoding/);
      await new Promise((r) => setTimeout(r, 15));
      check();
    }
    await Promise.all(opens);
    await new Promise((r) => setTimeout(r, 200));
    await settle();
    clearInterval(timer);
    check();
    expect(seen).toEqual([]);
    expect(app.library.current?.modelId).toBe('mnist-gaussian');
    expect(app.cloud.data?.modelId).toBe('mnist-gaussian');
    expect(app.cloud.loading).toBe(false);
    expect(screen.getByTestId('current-model').textContent).toBe(app.library.current?.name);
    expect(app.traversal.sliders).toHaveLength(4);
    expect(app.traversal.image).not.toBeNull();
    expect(app.coverage.modelId === null || app.coverage.modelId === 'mnist-gaussian').toBe(true);
  });

  it('drops a decode that answers after the model changed', async () => {
    const { app, engine } = await startFakeApp({ render: true, coverageDelayMs: 100_000 });
    engine.holdDecodes = true;
    app.traversal.setSlider(0, 2.5);
    await settle();
    await app.openModel('mnist-sphere');
    await settle();
    const sphereImage = app.traversal.image;
    engine.release();
    await settle();
    // The Gaussian model's late image must not replace the sphere model's.
    expect(app.library.current?.modelId).toBe('mnist-sphere');
    expect(app.traversal.image).toBe(sphereImage);
  });
});
