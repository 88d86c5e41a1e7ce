import { screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFavourite } from '../../../src-renderer/stores/favourites.svelte';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

afterEach(disposeFakeApps);

/** Favourites and exports say what they are: where the latent came from and how it was moved. */
describe('favourites and exports', () => {
  it('a favourite saved after moving sliders records its origin and the offsets', async () => {
    const { app } = await startFakeApp({ render: true });
    const t = app.traversal;
    const slot = t.sliders[0];
    const start = t.values[slot.slot];
    t.setSlider(slot.slot, start + 1.5);
    await settle();
    // The caption follows the sliders.
    expect(screen.getByTestId('traversal-origin').textContent).toContain(
      `${app.traversal.baseLabel} · moved z${slot.axis + 1} +1.50`,
    );
    screen.getByLabelText('Add to favourites').click();
    await settle();
    const fav = app.favourites.items.at(-1)!;
    expect(fav.origin).toMatch(/^data centre: item #\d+ \(\d\)$/);
    expect(fav.offsets).toHaveLength(1);
    expect(fav.offsets[0]).toEqual({ axis: slot.axis, delta: expect.closeTo(1.5, 9) });
    expect(describeFavourite(fav)).toBe(`${fav.origin} · z${slot.axis + 1} +1.50`);

    // An item's favourite names the item and its label.
    await app.selection.select(7);
    await settle();
    screen.getAllByLabelText('Add to favourites')[0].click();
    await settle();
    expect(app.favourites.items.at(-1)!.origin).toMatch(/^item #7 \(\d\)$/);
  });

  it('the contact sheet has a title, a caption per image and the latents as a JSON sidecar', async () => {
    const downloads: { name: string; mime: string; bytes: Uint8Array }[] = [];
    const { app, engine } = await startFakeApp({
      render: false,
      download: (bytes, name, mime) => downloads.push({ bytes, name, mime }),
    });
    const z = app.traversal.z()!;
    app.favourites.add({
      modelId: app.modelId!,
      modelName: 'm',
      z,
      image: null,
      shape: [8, 8, 1],
      origin: 'prior sample #3',
      offsets: [{ axis: 1, delta: -0.5 }],
    });
    app.exportScale = 4;
    const { render } = await import('@testing-library/svelte');
    const { default: FavouritesBoard } =
      await import('../../../src-renderer/components/FavouritesBoard.svelte');
    const { APP_CONTEXT_KEY } = await import('../../../src-renderer/stores/app.svelte');
    render(FavouritesBoard, { context: new Map([[APP_CONTEXT_KEY, app]]) });
    screen.getByRole('button', { name: 'Contact sheet' }).click();
    await settle();
    const call = engine.calls.find((c) => c.method === 'exportPng')!.params as {
      title: string;
      captions: string[];
      scale: number;
    };
    expect(call.scale).toBe(4);
    expect(call.title).toMatch(/1 favourite/);
    expect(call.captions).toEqual(['#1 prior sample #3 · z2 −0.50']);
    expect(downloads.map((d) => d.name)).toEqual([
      'favourites-contact-sheet.png',
      'favourites-contact-sheet.json',
    ]);
    const sidecar = JSON.parse(new TextDecoder().decode(downloads[1].bytes));
    expect(sidecar.favourites[0]).toMatchObject({ origin: 'prior sample #3', z: Array.from(z) });
  });
});

describe('where traversal starts', () => {
  it('is the encoded item nearest the data mean, a real item rather than an average', async () => {
    const { app } = await startFakeApp({ render: false });
    const d = app.cloud.data!;
    const mean = app.cloud.mean!;
    const dist = (r: number) =>
      Array.from({ length: d.dim }, (_, i) => (d.means[r * d.dim + i] - mean[i]) ** 2).reduce(
        (a, b) => a + b,
      );
    let nearest = 0;
    for (let r = 1; r < d.n; r++) if (dist(r) < dist(nearest)) nearest = r;
    expect(app.cloud.centre).toBe(nearest);
    expect(Array.from(app.traversal.base!)).toEqual(Array.from(app.cloud.latent(nearest)!));
    expect(app.traversal.baseLabel).toBe(
      `data centre: item #${nearest} (${app.cloud.label(nearest)})`,
    );
    // It follows the data while a model trains; a chosen start does not.
    expect(app.traversal.followsData).toBe(true);
    app.traversal.random();
    expect(app.traversal.followsData).toBe(false);
    app.traversal.reset();
    expect(app.traversal.followsData).toBe(true);
  });
});
