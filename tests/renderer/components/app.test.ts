import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import type { FakeEngine } from '../fake-api';
import { drawsOf, settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

let engine: FakeEngine;
let app: AppState;

beforeEach(async () => {
  ({ engine, app } = await startFakeApp());
});

afterEach(disposeFakeApps);

describe('App', () => {
  it('opens the demo Gaussian model and degrades gracefully without WebGL', async () => {
    render(App, { props: { app } });
    await settle();
    expect(screen.getByTestId('current-model').textContent).toContain('Gaussian');
    expect(screen.getAllByTestId('model-item')).toHaveLength(2);
    expect(screen.getByText('3D view unavailable')).toBeTruthy();
    // The viewer still knows how many points it would draw.
    expect(screen.getByTestId('viewer-canvas').getAttribute('data-points')).toBe('300');
  });

  it('orders sliders by activity and folds inactive dimensions away', async () => {
    render(App, { props: { app } });
    await settle();
    const sliders = screen.getAllByTestId('latent-slider');
    expect(sliders).toHaveLength(4);
    const folded = screen.getByText(/1 inactive dimension/);
    expect(folded.closest('details')).toBeTruthy();
    // The collapsed dimension (the last) is inside the <details>.
    const details = folded.closest('details')!;
    expect(within(details as HTMLElement).getByLabelText('z4')).toBeTruthy();
  });

  it('dragging a slider decodes live and changes the preview image', async () => {
    render(App, { props: { app } });
    await settle();
    const preview = screen.getByTestId('traversal-preview');
    const before = drawsOf(preview).at(-1)!.sum;
    const slider = screen.getAllByTestId('latent-slider')[0] as HTMLInputElement;
    const decodesBefore = engine.calls.filter((c) => c.method === 'decode').length;
    await fireEvent.input(slider, { target: { value: String(Number(slider.max) * 0.9) } });
    await settle();
    expect(engine.calls.filter((c) => c.method === 'decode').length).toBeGreaterThan(decodesBefore);
    const after = drawsOf(preview).at(-1)!.sum;
    expect(after).not.toBe(before);
  });

  it('keyboard: arrow keys on a slider are native range steps', async () => {
    render(App, { props: { app } });
    await settle();
    const slider = screen.getAllByTestId('latent-slider')[0] as HTMLInputElement;
    expect(slider.type).toBe('range');
    expect(slider.id).toMatch(/^slider-/);
    expect(screen.getByLabelText(slider.labels![0].textContent!.trim())).toBe(slider);
  });

  it('selecting a point shows its decoded image and its neighbours', async () => {
    render(App, { props: { app } });
    await settle();
    await app.selection.select(7);
    await settle();
    const card = screen.getByTestId('selection-card');
    expect(within(card).getByText('#7')).toBeTruthy();
    expect(drawsOf(screen.getByTestId('selection-image')).length).toBeGreaterThan(0);
    expect(app.selection.neighbours).toHaveLength(8);
    expect(app.selection.neighbours).not.toContain(7);
  });

  it('decodes anywhere: a clicked latent gets an image', async () => {
    render(App, { props: { app } });
    await settle();
    app.selection.decodeAt(Float64Array.from([1, 2, 0, 0]), [0, 0, 0]);
    await settle();
    expect(screen.getByText('Decoded here')).toBeTruthy();
    expect(app.selection.target?.image?.length).toBe(64);
  });

  it('switches to the sphere model and uses great-circle sliders', async () => {
    render(App, { props: { app } });
    await settle();
    await app.openModel('mnist-sphere');
    await settle();
    expect(app.spherical).toBe(true);
    expect(app.viewer.mode).toBe('sphere');
    // S² has two tangent directions.
    const sliders = screen.getAllByTestId('latent-slider');
    expect(sliders).toHaveLength(2);
    await fireEvent.input(sliders[0], { target: { value: '1.2' } });
    await settle();
    const z = app.traversal.z()!;
    expect(Math.hypot(...z)).toBeCloseTo(1, 9);
  });
});
