import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { STRIP_STEPS } from '../../../src-renderer/stores/traversal.svelte';
import { decodeImages, latentsEvent } from '../fake-api';
import type { FakeEngine } from '../fake-api';
import { drawsOf, settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * Slider drags decode in the page when the engine sends the decoder as dense weights, and go to
 * the engine (`decode`) otherwise; new weights (a checkpoint, a snapshot) are fetched and redrawn.
 */

afterEach(disposeFakeApps);

const started = (withWeights: boolean) =>
  startFakeApp({ configure: (e) => (e.withWeights = withWeights), coverageDelayMs: 60_000 });

const count = (engine: FakeEngine, method: string) =>
  engine.calls.filter((c) => c.method === method).length;

/** The image the engine would send for the traversal's latent now. */
function engineImage(app: AppState, scale = 1): Float32Array {
  const z = Float32Array.from(app.traversal.z()!);
  return decodeImages(z, 1, z.length, scale);
}

function expectClose(actual: Float32Array | null, expected: Float32Array): void {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual!.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual![i] - expected[i]));
  expect(worst).toBeLessThan(1e-5);
}

async function drag(app: AppState, values: number[]): Promise<void> {
  const slot = app.traversal.sliders[0].slot;
  for (const v of values) {
    app.traversal.setSlider(slot, v);
    await settle(2);
  }
}

describe('slider drags', () => {
  it('decode in the page when the engine sends dense weights', async () => {
    const { engine, app } = await started(true);
    expect(count(engine, 'decoderWeights')).toBe(1);
    expect(app.localDecoder.for('mnist-gaussian')).not.toBeNull();
    const decodes = count(engine, 'decode');
    await drag(app, [0.5, -1, 1.75]);
    expect(count(engine, 'decode')).toBe(decodes);
    expect(app.traversal.decodedIn).toBe('page');
    expect(app.traversal.timings.page.length).toBeGreaterThanOrEqual(3);
    expectClose(app.traversal.image, engineImage(app));
  });

  it('count towards the latency figure only when a person moves a slider', async () => {
    const { app } = await started(true);
    // Opening the model decoded its first image, but nobody dragged yet: no figure.
    expect(app.traversal.image).not.toBeNull();
    expect(app.traversal.timings.page).toHaveLength(0);
    expect(app.traversal.p95).toBeNull();
    await drag(app, [0.5, -1]);
    expect(app.traversal.timings.page).toHaveLength(2);
    expect(app.traversal.p95).not.toBeNull();
    // Another model starts from nothing again.
    await app.openModel('mnist-sphere');
    await settle();
    expect(app.traversal.timings.page).toHaveLength(0);
    expect(app.traversal.p95).toBeNull();
  });

  it('go to the engine when the decoder is not a dense stack', async () => {
    const { engine, app } = await started(false);
    expect(app.localDecoder.for('mnist-gaussian')).toBeNull();
    expect(app.localDecoder.reason).toContain('Conv2DTranspose');
    const decodes = count(engine, 'decode');
    await drag(app, [0.5, -1]);
    expect(count(engine, 'decode')).toBe(decodes + 2);
    expect(app.traversal.decodedIn).toBe('engine');
    expectClose(app.traversal.image, engineImage(app));
  });

  it('go to the engine when the weights cannot be fetched, or the page path is off', async () => {
    const { engine, app } = await startFakeApp({
      configure: (e) => {
        e.withWeights = true;
        e.api.decoderWeights = () => Promise.reject(new Error('socket closed'));
      },
      coverageDelayMs: 60_000,
    });
    expect(app.localDecoder.reason).toContain('socket closed');
    let decodes = count(engine, 'decode');
    await drag(app, [0.25]);
    expect(count(engine, 'decode')).toBe(decodes + 1);

    const other = await started(true);
    other.app.localDecoder.enabled = false;
    decodes = count(other.engine, 'decode');
    await drag(other.app, [0.25]);
    expect(count(other.engine, 'decode')).toBe(decodes + 1);
    expect(other.app.traversal.decodedIn).toBe('engine');
  });

  it('draw the preview strips and the variations grid in the page too', async () => {
    const { engine, app } = await started(true);
    const decodes = count(engine, 'decode');
    await app.traversal.decodeStrips();
    const sliders = app.traversal.stripsFor.length;
    expect(sliders).toBeGreaterThan(0);
    expect(app.traversal.strips!.length).toBe(sliders * STRIP_STEPS * 64);
    await app.generation.vary();
    expect(app.generation.variations!.n).toBe(16);
    expect(count(engine, 'decode')).toBe(decodes);
    const { z, images, n, dim } = app.generation.variations!;
    expectClose(images, decodeImages(z, n, dim));
  });

  it('follow new weights: a snapshot or an epoch of the model on screen is fetched and redrawn', async () => {
    const { engine, app } = await started(true);
    await drag(app, [1.5]);
    expectClose(app.traversal.image, engineImage(app, 1));

    // Another model's weights changed: nothing to fetch.
    engine.emit('weightsChanged', { modelId: 'mnist-sphere' });
    await settle();
    expect(count(engine, 'decoderWeights')).toBe(1);

    // The model on screen trained on: the image follows without a drag.
    engine.weightScale = 3;
    engine.emit('weightsChanged', { modelId: 'mnist-gaussian' });
    await settle();
    expect(count(engine, 'decoderWeights')).toBe(2);
    expectClose(app.traversal.image, engineImage(app, 3));

    // An epoch of a followed job: weights (at its checkpoint), then the epoch's latents.
    engine.weightScale = 0.5;
    app.training.activeJobId = 'job-1';
    engine.emit('weightsChanged', { modelId: 'mnist-gaussian' });
    const d = app.cloud.data!;
    engine.emit('trainingLatents', latentsEvent(d, 'job-1', 11, { modelId: 'mnist-gaussian' }));
    await settle(8);
    expect(app.cloud.data!.epoch).toBe(11);
    const decodes = count(engine, 'decode');
    await drag(app, [-0.75]);
    expect(count(engine, 'decode')).toBe(decodes);
    expectClose(app.traversal.image, engineImage(app, 0.5));
  });

  it('use the weights of the model opened, not the previous one', async () => {
    const { engine, app } = await started(true);
    await app.openModel('mnist-sphere');
    await settle();
    const asked = engine.calls.filter((c) => c.method === 'decoderWeights').at(-1)!;
    expect(asked.params).toEqual({ modelId: 'mnist-sphere' });
    expect(app.localDecoder.for('mnist-gaussian')).toBeNull();
    expect(app.localDecoder.for('mnist-sphere')!.latentDim).toBe(3);
    const decodes = count(engine, 'decode');
    await drag(app, [0.4]);
    expect(count(engine, 'decode')).toBe(decodes);
    expectClose(app.traversal.image, engineImage(app));
  });

  it('in the app: dragging a slider redraws the preview from the page and says so', async () => {
    const { engine, app } = await started(true);
    render(App, { props: { app } });
    await settle();
    const preview = screen.getByTestId('traversal-preview');
    const before = drawsOf(preview).at(-1)!.sum;
    const slider = screen.getAllByTestId('latent-slider')[0] as HTMLInputElement;
    const decodes = count(engine, 'decode');
    await fireEvent.input(slider, { target: { value: String(Number(slider.max) * 0.9) } });
    await settle();
    expect(drawsOf(preview).at(-1)!.sum).not.toBe(before);
    expect(count(engine, 'decode')).toBe(decodes);
    expect(screen.getByTestId('decode-latency').textContent).toContain('in the page');
  });
});
