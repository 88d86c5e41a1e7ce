import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { analogy, attributeVector, steer } from '../../../src-main/shared/maths/attribute-vectors';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { describeFavourite } from '../../../src-renderer/stores/favourites.svelte';
import { STRIP_STEPS } from '../../../src-renderer/stores/traversal.svelte';
import { ViewLink } from '../../../src-renderer/stores/view-link.svelte';
import { settle } from '../dom';
import type { FakeEngine } from '../fake-api';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * Attribute vectors on the page with the fake engine: made from two labels with the shared
 * maths, saved with the model, steered along by a slider with a preview strip (on a sphere the
 * steered code stays on the sphere), deleted; and an analogy a − b + c.
 */

let engine: FakeEngine;
let app: AppState;

/** The fake cloud's 300 points: label r % 10. */
const withLabel = (l: number) =>
  Array.from({ length: 300 }, (_, r) => r).filter((r) => r % 10 === l);

async function makeAndSave(fromLabel: number, toLabel: number, name: string): Promise<void> {
  await makeAndSaveKeys(`label:${fromLabel}`, `label:${toLabel}`, name);
}

async function makeAndSaveKeys(from: string, to: string, name: string): Promise<void> {
  const panel = screen.getByTestId('vectors-panel');
  await fireEvent.change(within(panel).getByTestId('vector-from'), { target: { value: from } });
  await fireEvent.change(within(panel).getByTestId('vector-to'), { target: { value: to } });
  await fireEvent.click(within(panel).getByTestId('vector-make'));
  await settle();
  await fireEvent.input(within(panel).getByTestId('vector-name'), { target: { value: name } });
  await fireEvent.click(within(panel).getByTestId('vector-save'));
  await settle();
}

afterEach(disposeFakeApps);

describe('attribute vectors on the page', () => {
  it('makes a vector from two labels as the shared maths does, saves it, and steers along it', async () => {
    ({ engine, app } = await startFakeApp({ render: true }));
    await makeAndSave(1, 7, 'one-to-seven');
    const data = app.cloud.data!;
    const expected = attributeVector(
      { data: data.means, n: data.n, d: data.dim },
      withLabel(1),
      withLabel(7),
      { sphere: false },
    );
    const saved = engine.vectors.get(app.modelId!)!.get('one-to-seven')!;
    expect(Array.from(saved.vector)).toEqual(Array.from(Float32Array.from(expected.vector)));
    expect(Array.from(saved.base)).toEqual(Array.from(Float32Array.from(expected.base)));
    expect(saved.record.auc).toBeCloseTo(expected.auc, 12);
    expect(saved.record.from).toMatchObject({ group: 'label:1', n: 30 });
    expect(saved.record.to).toMatchObject({ group: 'label:7', n: 30 });
    expect(screen.getByTestId('vector-made').textContent).toContain('30 → 30 points');

    // Its slider, with a preview strip.
    const rows = screen.getAllByTestId('vector-slider-row');
    expect(rows).toHaveLength(1);
    await settle(400);
    expect(rows[0].querySelectorAll('.strip canvas')).toHaveLength(STRIP_STEPS);

    const before = app.traversal.z()!;
    const decodes = engine.calls.filter((c) => c.method === 'decode').length;
    await fireEvent.input(screen.getByTestId('vector-slider'), { target: { value: '1' } });
    await settle();
    const moved = app.traversal.z()!;
    const want = steer(before, expected.vector, [1], { sphere: false, base: expected.base });
    moved.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    const last = engine.calls.filter((c) => c.method === 'decode');
    expect(last.length).toBeGreaterThan(decodes);
    // The slider's position was decoded: one code, the steered one.
    const single = last
      .map((c) => c.params as { z: Float32Array; n: number })
      .filter((p) => p.n === 1)
      .at(-1)!;
    Array.from(single.z).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(screen.getByTestId('vector-slider').getAttribute('aria-valuetext')).toBe('+1×');

    // A favourite taken now records the vector's amount beside the dimension sliders.
    await fireEvent.click(screen.getByLabelText('Add to favourites'));
    await settle();
    const fav = app.favourites.items.at(-1)!;
    expect(fav.offsets).toContainEqual({ vector: 'one-to-seven', delta: 1 });
    expect(describeFavourite(fav)).toContain('one-to-seven +1.00×');
    fav.z.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));

    // Delete it: the slider goes.
    await fireEvent.click(screen.getByRole('button', { name: 'Delete vector one-to-seven' }));
    await settle();
    expect(screen.queryAllByTestId('vector-slider')).toHaveLength(0);
    expect(engine.vectors.get(app.modelId!)!.size).toBe(0);
  });

  it('makes a vector from a saved selection, its items matched to points by the cloud', async () => {
    ({ engine, app } = await startFakeApp({ render: true }));
    const data = app.cloud.data!;
    // Items 3r are behind point r: save the items of the points with label 4.
    const points = withLabel(4);
    const items = Int32Array.from(points, (r) => data.indices[r]);
    engine.selections.set(
      app.modelId!,
      new Map([['fours', { indices: items, split: data.split }]]),
    );
    await app.selection.group.refreshSaved();
    await settle();
    await makeAndSaveKeys('saved:fours', 'rest', 'fours-to-rest');
    const expected = attributeVector(
      { data: data.means, n: data.n, d: data.dim },
      points,
      Array.from({ length: 300 }, (_, r) => r).filter((r) => r % 10 !== 4),
      { sphere: false },
    );
    const saved = engine.vectors.get(app.modelId!)!.get('fours-to-rest')!;
    expect(Array.from(saved.vector)).toEqual(Array.from(Float32Array.from(expected.vector)));
    expect(saved.record.from).toMatchObject({ group: 'saved:fours', n: 30 });
    expect(saved.record.to).toMatchObject({ description: 'all but saved "fours"', n: 270 });
  });

  it('on a sphere model the steered code stays on the unit sphere', async () => {
    ({ engine, app } = await startFakeApp({ render: true }));
    await app.openModel('mnist-sphere');
    await settle();
    expect(app.spherical).toBe(true);
    await makeAndSave(2, 5, 'two-to-five');
    const saved = engine.vectors.get('mnist-sphere')!.get('two-to-five')!;
    expect(saved.record.sphere).toBe(true);
    for (const t of ['-1.5', '0.5', '1']) {
      await fireEvent.input(screen.getByTestId('vector-slider'), { target: { value: t } });
      await settle();
      const z = app.traversal.z()!;
      expect(Math.hypot(...z)).toBeCloseTo(1, 9);
    }
  });

  it('decodes an analogy a − b + c over the amount with the shared maths', async () => {
    ({ engine, app } = await startFakeApp({ render: true }));
    const panel = screen.getByTestId('vectors-panel');
    await fireEvent.click(within(panel).getByText('Analogy a − b + c'));
    await settle();
    await fireEvent.click(within(panel).getByTestId('analogy-run'));
    await settle();
    expect(screen.getByTestId('analogy-strip').querySelectorAll('canvas')).toHaveLength(7);
    const z = (
      engine.calls.filter((c) => c.method === 'decode').at(-1)!.params as {
        z: Float32Array;
      }
    ).z;
    const data = app.cloud.data!;
    const mean = (l: number) => {
      const m = new Float64Array(data.dim);
      for (const r of withLabel(l))
        for (let i = 0; i < data.dim; i++) m[i] += data.means[r * data.dim + i] / 30;
      return m;
    };
    // The defaults: a, b, c are the first three ends (label means 0, 1, 2 without a selection).
    const want = analogy(mean(0), mean(1), mean(2), [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5], {
      sphere: false,
    });
    Array.from(z).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
  });

  it('lays the cloud out along saved vectors in the Attributes view, and a link keeps its axes', async () => {
    ({ engine, app } = await startFakeApp({ render: true }));
    const attributes = () => screen.getByRole('button', { name: 'Attributes' });
    // Without a saved vector the view has nothing to read along.
    expect(attributes().hasAttribute('disabled')).toBe(true);
    expect(attributes().title).toMatch(/no saved attribute vectors yet/);
    await makeAndSave(1, 7, 'one-to-seven');
    await makeAndSave(2, 5, 'two-to-five');
    expect(attributes().hasAttribute('disabled')).toBe(false);
    await fireEvent.click(attributes());
    await settle();
    // It opens on the first saved vector along x; y and z come from the PCA of the rest.
    expect(app.viewer.mode).toBe('attributes');
    expect(app.viewer.axisVectors).toEqual(['one-to-seven']);
    const bar = screen.getByTestId('axes-bar');
    expect((within(bar).getByTestId('axis-x') as HTMLSelectElement).value).toBe('one-to-seven');
    expect(bar.textContent).toMatch(
      /y, z: PCA of what the vectors\s+leave \(\d+% of its variance\)/,
    );
    await fireEvent.change(within(bar).getByTestId('axis-y'), {
      target: { value: 'two-to-five' },
    });
    await settle();
    expect(app.viewer.axisVectors).toEqual(['one-to-seven', 'two-to-five']);
    expect(within(bar).getByTestId('axis-angle').textContent).toMatch(/^x∠y \d+°$/);
    expect(screen.queryByTestId('axes-error')).toBeNull();

    // A moved vector slider and the axes travel in the link, and come back from it.
    const i = app.traversal.vectors.findIndex((v) => v.name === 'two-to-five');
    app.traversal.setAmount(i, 0.5);
    const camera = { camera: () => null, restoreCamera: () => {} };
    const link = new ViewLink(app);
    const text = link.text(camera)!;
    app.viewer.pick('pca', false);
    app.viewer.axisVectors = [];
    app.traversal.setAmount(i, 0);
    link.open(text, camera);
    expect(link.pending).toBeNull();
    expect(app.viewer.mode).toBe('attributes');
    expect(app.viewer.axisVectors).toEqual(['one-to-seven', 'two-to-five']);
    expect(app.traversal.amounts[i]).toBeCloseTo(0.5, 9);

    // Deleting a vector on an axis takes it off the axes.
    await fireEvent.click(screen.getByRole('button', { name: 'Delete vector one-to-seven' }));
    await settle();
    expect(app.viewer.axisVectors).toEqual(['two-to-five']);
    link.dispose();
  });
});
