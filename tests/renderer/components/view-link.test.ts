import { fireEvent, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeViewState, encodeViewState } from '../../../src-renderer/lib/bookmarks/view-state';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/** A page opened with a view in its hash comes back to that view, and the hash follows the view. */

afterEach(disposeFakeApps);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) {
    await wait(20);
    await settle();
  }
}

describe('a view in the URL', () => {
  it('opens the linked model with its projection, colouring, filter and selection', async () => {
    history.replaceState(
      null,
      '',
      encodeViewState({
        modelId: 'mnist-sphere',
        projection: 'axes',
        colorBy: 'error',
        filter: 'label:3',
        selection: [3, 30, 60],
      }),
    );
    const { app } = await startFakeApp({ render: true });
    const group = app.selection.group;
    await until(() => group.count === 3);
    expect(app.modelId).toBe('mnist-sphere');
    expect(app.viewer.mode).toBe('axes');
    expect(app.viewer.colorBy).toBe('error');
    expect(group.query).toBe('label:3');
    // The fake cloud's row r is item 3r.
    expect(Array.from(group.points())).toEqual([1, 10, 20]);
    expect(screen.getByRole('button', { name: 'z₁z₂z₃' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    // The sliders it carries (none here: the link left them out) stay at the data's centre.
    expect(app.traversal.values.length).toBeGreaterThan(0);
    // The hash then follows the view: a new projection shows in it a moment later.
    app.viewer.pick('tsne', app.spherical);
    await wait(450);
    await settle();
    const now = decodeViewState(location.hash);
    expect(now).toMatchObject({
      ok: true,
      state: { modelId: 'mnist-sphere', projection: 'tsne', selection: [3, 30, 60] },
    });
  });

  it('says why a link of another version or a damaged one is not opened, and opens as usual', async () => {
    history.replaceState(null, '', '#view=0.eyJtIjoieCJ9');
    const { app } = await startFakeApp({ render: true });
    expect(app.modelId).toBe('mnist-gaussian');
    expect(screen.getByTestId('link-error').textContent).toContain('version 0');
    disposeFakeApps();
    history.replaceState(null, '', '#view=1.!!!');
    await startFakeApp({ render: true });
    expect(screen.getAllByTestId('link-error').at(-1)!.textContent).toContain('damaged');
  });

  it('says so when the linked model is not in the library', async () => {
    history.replaceState(
      null,
      '',
      encodeViewState({
        modelId: 'gone',
        projection: 'pca',
        colorBy: 'label',
        filter: '',
        selection: [],
      }),
    );
    const { app } = await startFakeApp({ render: true });
    await until(() => screen.queryByTestId('link-error') !== null);
    expect(app.modelId).toBe('mnist-gaussian');
    expect(screen.getByTestId('link-error').textContent).toContain('“gone” is not in the library');
  });

  it('a bookmark saves the view with the model, opens it again, and is deleted', async () => {
    const { app, engine } = await startFakeApp({ render: true });
    app.viewer.pick('axes', app.spherical);
    app.viewer.colorBy = 'error';
    app.selection.group.selectPoints([2, 4], 'replace', 'test');
    app.traversal.setSlider(0, 1.5);
    await settle();
    await fireEvent.click(screen.getByTestId('bookmarks-toggle'));
    await settle();
    expect(screen.getByText('No bookmarks yet.')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Bookmark name'), {
      target: { value: ' evens ' },
    });
    await fireEvent.submit(screen.getByLabelText('Bookmark name').closest('form')!);
    await until(() => screen.queryByText('evens') !== null);
    const saved = engine.bookmarks.get('mnist-gaussian')!.get('evens')!;
    expect(decodeViewState(saved.state)).toMatchObject({
      ok: true,
      state: { projection: 'axes', colorBy: 'error', selection: [6, 12] },
    });
    // Change the view, then open the bookmark: the view comes back.
    app.viewer.pick('pca', app.spherical);
    app.viewer.colorBy = 'label';
    app.selection.group.clear();
    app.traversal.setSlider(0, -0.5);
    await settle();
    await fireEvent.click(screen.getByText('evens'));
    await until(() => app.selection.group.count === 2);
    expect(app.viewer.mode).toBe('axes');
    expect(app.viewer.colorBy).toBe('error');
    expect(Array.from(app.selection.group.points())).toEqual([2, 4]);
    expect(app.traversal.values[0]).toBeCloseTo(1.5, 4);
    await fireEvent.click(screen.getByTestId('bookmarks-toggle'));
    await until(() => screen.queryByText('evens') !== null);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete bookmark evens' }));
    await until(() => screen.queryByText('No bookmarks yet.') !== null);
    expect(engine.bookmarks.get('mnist-gaussian')!.size).toBe(0);
  });
});
