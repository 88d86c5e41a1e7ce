import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AtlasError } from '../../../src-main/api/errors';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { settle } from '../dom';
import type { FakeEngine } from '../fake-api';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * Selections saved with the model, from the group card's "saved:" chips: a name selects its
 * points again (its item indices matched to the cloud's points), ✕ deletes it after asking.
 * Selections that number items the cloud does not show, or another split, are refused with a
 * notice.
 */

let engine: FakeEngine;
let app: AppState;

/** The fake cloud's 300 points: label r % 10, dataset item 3r. */
const withLabel = (...labels: number[]) =>
  Array.from({ length: 300 }, (_, r) => r).filter((r) => labels.includes(r % 10));

const points = () => Array.from(app.selection.group.points());
const errors = () => app.notices.items.filter((n) => n.tone === 'error').map((n) => n.text);
const chipNames = () =>
  screen.queryAllByTestId('saved-selection').map((c) => c.getAttribute('data-name'));

async function startApp(): Promise<void> {
  ({ engine, app } = await startFakeApp({ render: true }));
}

async function query(text: string): Promise<void> {
  const box = screen.getByTestId('selection-query') as HTMLInputElement;
  await fireEvent.input(box, { target: { value: text } });
  await fireEvent.keyDown(box, { key: 'Enter' });
  await settle();
}

async function saveAs(name: string): Promise<void> {
  await fireEvent.input(screen.getByTestId('selection-name'), { target: { value: name } });
  await fireEvent.click(screen.getByTestId('save-selection'));
  await settle();
}

/** Saves `indices` (dataset items) as `name` in the fake engine, and lists them on the page. */
async function saveInEngine(name: string, indices: number[], split = 'all'): Promise<void> {
  const saved = engine.selections.get('mnist-gaussian') ?? new Map();
  engine.selections.set('mnist-gaussian', saved);
  saved.set(name, { indices: Int32Array.from(indices), split });
  await app.selection.group.refreshSaved();
  await settle();
}

afterEach(() => {
  vi.restoreAllMocks();
  disposeFakeApps();
});

describe('saved selections on the page', () => {
  it('opens a saved selection again by its name, with nothing or something else selected', async () => {
    await startApp();
    await query('label:7');
    await saveAs('sevens');
    await query('label:2');
    expect(points()).toEqual(withLabel(2));
    // A chip's name replaces the selection with the saved points.
    await fireEvent.click(screen.getByRole('button', { name: 'Open selection sevens' }));
    await settle();
    expect(points()).toEqual(withLabel(7));
    expect(app.selection.group.description).toBe('saved "sevens"');
    expect(within(screen.getByTestId('group-card')).getByTestId('group-count').textContent).toBe(
      '30',
    );
    const read = engine.calls.filter((c) => c.method === 'readSelection').at(-1)!.params;
    expect(read).toEqual({ modelId: 'mnist-gaussian', name: 'sevens' });

    // With nothing selected, the saved selections are still listed, to open one.
    await fireEvent.keyDown(screen.getByTestId('viewer-canvas'), { key: 'Escape' });
    await settle();
    expect(screen.queryByTestId('group-card')).toBeNull();
    const card = screen.getByTestId('saved-selections-card');
    expect(chipNames()).toEqual(['sevens']);
    await fireEvent.click(within(card).getByRole('button', { name: 'Open selection sevens' }));
    await settle();
    expect(points()).toEqual(withLabel(7));
    expect(errors()).toEqual([]);
  });

  it('deletes a saved selection after asking, and lists the rest', async () => {
    await startApp();
    await query('label:7');
    await saveAs('sevens');
    await saveAs('more-sevens');
    expect(chipNames()).toEqual(['more-sevens', 'sevens']);
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete selection sevens' }));
    await settle();
    expect(confirm).toHaveBeenCalledWith('Delete the saved selection "sevens" from the model?');
    expect(engine.selections.get('mnist-gaussian')!.has('sevens')).toBe(true);
    expect(engine.calls.some((c) => c.method === 'deleteSelection')).toBe(false);

    confirm.mockReturnValue(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete selection sevens' }));
    await settle();
    expect(engine.calls.filter((c) => c.method === 'deleteSelection').map((c) => c.params)).toEqual(
      [{ modelId: 'mnist-gaussian', name: 'sevens' }],
    );
    expect(engine.selections.get('mnist-gaussian')!.has('sevens')).toBe(false);
    expect(chipNames()).toEqual(['more-sevens']);
    // The selection on screen stays.
    expect(points()).toEqual(withLabel(7));

    // The last one gone: no chips, and with nothing selected no card either.
    await fireEvent.click(screen.getByRole('button', { name: 'Delete selection more-sevens' }));
    await settle();
    expect(screen.queryByTestId('saved-selections')).toBeNull();
    app.selection.group.clear();
    await settle();
    expect(screen.queryByTestId('saved-selections-card')).toBeNull();
    expect(errors()).toEqual([]);
  });

  it('says why a deletion failed', async () => {
    await startApp();
    await query('label:1');
    await saveAs('ones');
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    vi.spyOn(engine.api, 'deleteSelection').mockRejectedValueOnce(
      new AtlasError('refused', 'the folder is read-only'),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Delete selection ones' }));
    await settle();
    expect(errors()).toEqual(['Could not delete selection "ones": the folder is read-only']);
    expect(chipNames()).toEqual(['ones']);
  });

  it('refuses a selection holding items the cloud does not show, or of another split', async () => {
    await startApp();
    await query('label:4');
    // Items 3r are the cloud's points r < 300: 3 and 6 are, 2 and 9000 are not.
    await saveInEngine('beyond', [3, 6, 2, 9000]);
    await saveInEngine('tests', [3, 6], 'test');
    await fireEvent.click(screen.getByRole('button', { name: 'Open selection beyond' }));
    await settle();
    expect(errors()).toEqual([
      'Could not open selection "beyond": 2 of its 4 items (item 2, …) are not among the 300 points of the cloud on screen',
    ]);
    // The selection on screen is left as it was.
    expect(points()).toEqual(withLabel(4));
    await fireEvent.click(screen.getByRole('button', { name: 'Open selection tests' }));
    await settle();
    expect(errors().at(-1)).toBe(
      'Could not open selection "tests": it numbers items of the test split, but the cloud shows the all split',
    );
    expect(points()).toEqual(withLabel(4));

    // One the engine no longer has (deleted elsewhere): the engine's error.
    engine.selections.get('mnist-gaussian')!.delete('tests');
    await fireEvent.click(screen.getByRole('button', { name: 'Open selection tests' }));
    await settle();
    expect(errors().at(-1)).toBe('Could not open selection "tests": no selection "tests"');

    // Items all in the cloud select their points.
    await saveInEngine('within', [3, 6, 897]);
    await fireEvent.click(screen.getByRole('button', { name: 'Open selection within' }));
    await settle();
    expect(points()).toEqual([1, 2, 299]);
  });
});
