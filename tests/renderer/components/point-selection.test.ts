import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNpy } from '../../../src-main/shared/maths/npy';
import { indicesMask } from '../../../src-renderer/lib/selection/mask';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { settle } from '../dom';
import { latentsEvent, originalImage, type FakeEngine } from '../fake-api';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * Selecting groups of points with the fake engine: the search box's filters, shift to add and
 * alt to take away, the count, the contact sheet of originals, isolate and show all, export as
 * NPY and saving by name with the model. (Lasso and box need WebGL: the maths is tested in
 * lib/selection-lasso.test.ts and the drawing end to end in Chromium.)
 */

let engine: FakeEngine;
let app: AppState;
const downloads: { name: string; bytes: Uint8Array }[] = [];

async function startApp(): Promise<void> {
  downloads.length = 0;
  ({ engine, app } = await startFakeApp({
    render: true,
    download: (bytes, name) => downloads.push({ name, bytes }),
  }));
}

/** The fake cloud's 300 points: label r % 10, dataset item 3r. */
const withLabel = (...labels: number[]) =>
  Array.from({ length: 300 }, (_, r) => r).filter((r) => labels.includes(r % 10));

async function query(text: string, keys: { shiftKey?: boolean; altKey?: boolean } = {}) {
  const box = screen.getByTestId('selection-query') as HTMLInputElement;
  await fireEvent.input(box, { target: { value: text } });
  await fireEvent.keyDown(box, { key: 'Enter', ...keys });
  await settle();
}

const count = () => Number(screen.getByTestId('selection-count').getAttribute('data-count'));
const points = () => Array.from(app.selection.group.points());

afterEach(disposeFakeApps);

describe('selecting groups of points', () => {
  it('a filter selects; shift+Enter adds, alt+Enter takes away; the card counts and shows originals', async () => {
    await startApp();
    await query('label:3');
    expect(count()).toBe(30);
    expect(points()).toEqual(withLabel(3));
    const card = screen.getByTestId('group-card');
    expect(within(card).getByTestId('group-count').textContent).toBe('30');
    const cells = within(card).getAllByTestId('sheet-cell');
    expect(cells).toHaveLength(30);
    expect(cells.every((c) => c.getAttribute('data-label') === '3')).toBe(true);
    // The sheet shows the originals: one `items` request for the dataset items of the points.
    const asked = engine.calls.filter((c) => c.method === 'items').at(-1)!.params as {
      indices: Int32Array;
    };
    expect(Array.from(asked.indices)).toEqual(withLabel(3).map((r) => 3 * r));
    expect(app.selection.group.sheet?.original).toBe(true);
    expect(app.selection.group.sheet?.images?.subarray(0, 64)).toEqual(originalImage(9));

    await query('5', { shiftKey: true });
    expect(count()).toBe(60);
    expect(points()).toEqual(withLabel(3, 5));
    expect(app.selection.group.description).toBe('label 3 + label 5');

    await query('index 0-99', { altKey: true });
    expect(points()).toEqual(withLabel(3, 5).filter((r) => r >= 100));
    expect(count()).toBe(40);

    // More than 64: the sheet shows the first 64.
    await query('error > 40');
    expect(count()).toBe(299);
    expect(within(screen.getByTestId('group-card')).getAllByTestId('sheet-cell')).toHaveLength(64);
  });

  it('says why a filter cannot run', async () => {
    await startApp();
    await query('dress');
    expect(screen.getByTestId('selection-query-error').textContent).toContain(
      'no class named "dress"',
    );
    await query('error >');
    expect(screen.getByTestId('selection-query-error').textContent).toContain('expected');
    expect(app.selection.group.count).toBe(0);
  });

  it('near a hole: within the report threshold of a hole centre', async () => {
    await startApp();
    await app.coverage.load();
    const report = app.coverage.report!;
    expect(report.holes.threshold).toBe(2);
    await query('hole');
    const d = app.cloud.data!;
    const centre = report.holes.centers[0];
    const near = Array.from({ length: d.n }, (_, r) => r).filter((r) => {
      let s = 0;
      for (let i = 0; i < d.dim; i++) s += (d.means[r * d.dim + i] - centre[i]) ** 2;
      return s <= 4;
    });
    expect(near.length).toBeGreaterThan(0);
    expect(points()).toEqual(near);
  });

  it('isolates the selection and shows all again', async () => {
    await startApp();
    const canvas = screen.getByTestId('viewer-canvas');
    expect(canvas.getAttribute('data-points')).toBe('300');
    await query('label:1,2');
    await fireEvent.click(screen.getByTestId('isolate'));
    await settle();
    expect(canvas.getAttribute('data-points')).toBe('60');
    expect(screen.getByTestId('isolated-badge').textContent).toContain('60 of 300');
    // A filter within the isolated points keeps to them.
    await query('index 0-150');
    expect(points()).toEqual(withLabel(1, 2).filter((r) => r <= 150));
    await fireEvent.click(screen.getByTestId('show-all'));
    await settle();
    expect(canvas.getAttribute('data-points')).toBe('300');
    expect(screen.queryByTestId('isolated-badge')).toBeNull();
  });

  it('exports latents and item indices as NPY, and saves the selection by name', async () => {
    await startApp();
    await query('label:7');
    await fireEvent.click(screen.getByTestId('export-selection'));
    await settle();
    expect(downloads.map((d) => d.name)).toEqual([
      'mnist-gaussian-selection-30-latents.npy',
      'mnist-gaussian-selection-30-indices.npy',
    ]);
    const latents = parseNpy(downloads[0].bytes);
    expect(latents.shape).toEqual([30, 4]);
    expect(latents.dtype).toBe('f4');
    const d = app.cloud.data!;
    expect(Array.from(latents.data.subarray(0, 4) as Float32Array)).toEqual(
      Array.from(d.means.subarray(7 * 4, 8 * 4)),
    );
    const indices = parseNpy(downloads[1].bytes);
    expect(indices.dtype).toBe('i4');
    expect(Array.from(indices.data as Int32Array)).toEqual(withLabel(7).map((r) => 3 * r));

    const name = screen.getByTestId('selection-name') as HTMLInputElement;
    await fireEvent.input(name, { target: { value: 'sev ens' } });
    expect((screen.getByTestId('save-selection') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(name, { target: { value: 'sevens' } });
    await fireEvent.click(screen.getByTestId('save-selection'));
    await settle();
    const saved = engine.selections.get('mnist-gaussian')!.get('sevens')!;
    expect(Array.from(saved.indices)).toEqual(withLabel(7).map((r) => 3 * r));
    expect(saved.split).toBe('all');
    expect(saved.description).toBe('label 7');
    expect(screen.getByTestId('saved-selections').textContent).toContain('sevens');
    // The same name again replaces it (asked for as such).
    await query('label:7,8');
    await fireEvent.input(screen.getByTestId('selection-name'), { target: { value: 'sevens' } });
    expect(screen.getByTestId('save-selection').textContent).toBe('Replace');
    await fireEvent.click(screen.getByTestId('save-selection'));
    await settle();
    expect(engine.selections.get('mnist-gaussian')!.get('sevens')!.indices.length).toBe(60);
  });

  it('Esc on the viewer clears the selection', async () => {
    await startApp();
    await query('label:2');
    expect(screen.getByTestId('group-card')).toBeTruthy();
    await fireEvent.keyDown(screen.getByTestId('viewer-canvas'), { key: 'Escape' });
    await settle();
    expect(screen.queryByTestId('group-card')).toBeNull();
    expect(count()).toBe(0);
  });
});

describe('the group store', () => {
  it('replaces, adds (shift) and subtracts (alt), describing how the group was made', async () => {
    ({ engine, app } = await startFakeApp());
    const group = app.selection.group;
    const n = app.cloud.data!.n;
    group.apply(indicesMask([1, 2, 3], n), 'replace', 'lasso');
    group.apply(indicesMask([3, 4], n), 'add', 'box');
    expect(points()).toEqual([1, 2, 3, 4]);
    expect(group.description).toBe('lasso + box');
    group.apply(indicesMask([2, 3, 9], n), 'subtract', 'lasso');
    expect(points()).toEqual([1, 4]);
    expect(group.count).toBe(2);
    expect(group.description).toBe('lasso + box − lasso');
    group.apply(indicesMask([7], n), 'replace', 'box');
    expect(points()).toEqual([7]);
    expect(group.description).toBe('box');
    group.apply(indicesMask([7], n), 'subtract', 'box');
    expect(group.count).toBe(0);
    expect(group.mask).toBeNull();
    // Adding to nothing is selecting; a mask of another length is ignored.
    group.apply(indicesMask([5], n), 'add', 'box');
    expect(points()).toEqual([5]);
    group.apply(new Uint8Array(3).fill(1), 'replace', 'box');
    expect(points()).toEqual([5]);
  });

  it('keeps a selection across a training epoch of the same points, not across another cloud', async () => {
    ({ engine, app } = await startFakeApp());
    const group = app.selection.group;
    const d = app.cloud.data!;
    group.sync(d);
    group.apply(indicesMask([1, 2], d.n), 'replace', 'lasso');
    group.isolate();
    app.cloud.set({ ...d, epoch: 3 }, true);
    group.sync(app.cloud.data);
    expect(points()).toEqual([1, 2]);
    expect(group.isolated).not.toBeNull();
    app.cloud.set({ ...d, n: 100, means: d.means.subarray(0, 400) });
    group.sync(app.cloud.data);
    expect(group.count).toBe(0);
    expect(group.isolated).toBeNull();
    // Training events of the same model leave it; opening another model clears it.
    group.apply(indicesMask([4], 100), 'replace', 'box');
    engine.emit('trainingLatents', latentsEvent(d, 'job-x', 1));
    await app.openModel('mnist-sphere');
    await settle();
    expect(group.count).toBe(0);
  });
});
