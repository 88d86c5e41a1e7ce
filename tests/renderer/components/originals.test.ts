import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { robustRange } from '../../../src-renderer/lib/colors';
import { formatNumber } from '../../../src-renderer/lib/format';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { errorOf, originalImage, latentsEvent } from '../fake-api';
import type { FakeEngine } from '../fake-api';
import { drawsOf, settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

/**
 * The explorer against the contract's `items`, the snapshot's item indices and per-point errors,
 * and `describeDataset`: originals next to reconstructions, originals as hover thumbnails,
 * colouring by reconstruction error, and data set previews in the training panel.
 */

let engine: FakeEngine;
let app: AppState;

async function startApp(configure?: (e: FakeEngine) => void): Promise<void> {
  ({ engine, app } = await startFakeApp({ configure, render: true }));
}

const callsOf = (method: string) => engine.calls.filter((c) => c.method === method);

afterEach(disposeFakeApps);

describe('original items', () => {
  it('a selected point shows its original item next to its reconstruction, and its error', async () => {
    await startApp();
    await app.selection.select(7);
    await settle();
    // Point 7 is dataset item 21 (the snapshot's indices), asked for by item index and split.
    // (The neighbours' originals come in a request of their own.)
    const asked = callsOf('items').find(
      (c) => (c.params as { indices: Int32Array }).indices.length === 1,
    )!.params as { indices: Int32Array; split: string };
    expect(asked.indices).toBeInstanceOf(Int32Array);
    expect(Array.from(asked.indices)).toEqual([21]);
    expect(asked.split).toBe('all');
    expect(app.selection.selectedOriginal).toEqual(originalImage(21));

    const card = screen.getByTestId('selection-card');
    const original = within(card).getByTestId('selection-original');
    const decoded = within(card).getByTestId('selection-image');
    expect(original.getAttribute('aria-label')).toBe('Original image of the selected item');
    expect(drawsOf(original).length).toBeGreaterThan(0);
    expect(drawsOf(decoded).length).toBeGreaterThan(0);
    // Two different pictures: the data set's item and the model's reconstruction of it.
    expect(drawsOf(original).at(-1)!.sum).not.toBe(drawsOf(decoded).at(-1)!.sum);
    expect(within(card).getByText('original (data set)')).toBeTruthy();
    const label = app.cloud.data!.labels![7];
    expect(within(card).getByTestId('selection-error').textContent).toBe(
      `error ${formatNumber(errorOf(7, label))}`,
    );
  });

  it('a selected neighbour gets its own original; originals are cached by item', async () => {
    await startApp();
    await app.selection.select(7);
    await settle();
    const next = app.selection.neighbours[0];
    await app.selection.select(next);
    await settle();
    expect(app.selection.selectedOriginal).toEqual(originalImage(3 * next));
    const before = callsOf('items').length;
    await app.selection.select(7);
    await settle();
    expect(callsOf('items').length).toBe(before);
    expect(app.selection.selectedOriginal).toEqual(originalImage(21));
  });

  it('the hover thumbnail is the original item, fetched without decoding', async () => {
    await startApp();
    const decodes = callsOf('decode').length;
    app.selection.hover(5, 20, 30);
    await settle();
    const card = screen.getByTestId('hovercard');
    const thumb = within(card).getByTestId('hover-image');
    expect(thumb.getAttribute('aria-label')).toBe('Hovered item (original)');
    expect(app.selection.hoverImage).toEqual(originalImage(15));
    expect(drawsOf(thumb).length).toBeGreaterThan(0);
    expect(
      Array.from((callsOf('items').at(-1)!.params as { indices: Int32Array }).indices),
    ).toEqual([15]);
    expect(callsOf('decode').length).toBe(decodes);
    expect(within(card).getByText('#5')).toBeTruthy();
    expect(card.textContent).toContain(`error ${formatNumber(app.cloud.error(5))}`);

    // Back on the same point later: from the cache, at once.
    app.selection.hover(null);
    const asked = callsOf('items').length;
    app.selection.hover(5, 20, 30);
    expect(app.selection.hoverImage).toEqual(originalImage(15));
    await settle();
    expect(callsOf('items').length).toBe(asked);
  });

  it('falls back to reconstructions where the data set cannot be read', async () => {
    await startApp((e) => (e.withItems = false));
    app.selection.hover(4, 10, 10);
    await settle();
    const card = screen.getByTestId('hovercard');
    expect(within(card).getByTestId('hover-image').getAttribute('aria-label')).toBe(
      'Hovered item (reconstruction)',
    );
    expect(within(card).getByText('reconstruction')).toBeTruthy();
    expect(app.selection.hoverImage).not.toBeNull();
    expect(app.selection.hoverIsOriginal).toBe(false);

    await app.selection.select(4);
    await settle();
    const selection = screen.getByTestId('selection-card');
    expect(within(selection).getByText('original unavailable')).toBeTruthy();
    expect(app.selection.originalError).toMatch(/cannot open the dataset/);
    // The reconstruction is there all the same.
    expect(drawsOf(within(selection).getByTestId('selection-image')).length).toBeGreaterThan(0);
  });
});

describe('colouring by reconstruction error', () => {
  it('is offered when the snapshot carries errors and draws their scale', async () => {
    await startApp();
    const select = screen.getByLabelText('Colour points by') as HTMLSelectElement;
    const option = within(select).getByRole('option', { name: 'Error' }) as HTMLOptionElement;
    expect(option.disabled).toBe(false);
    await fireEvent.change(select, { target: { value: 'error' } });
    await settle();
    expect(app.viewer.colorBy).toBe('error');
    const legend = screen.getByLabelText('Colour legend');
    expect(legend.textContent).toContain('reconstruction error (nats)');
    const d = app.cloud.data!;
    const [lo, hi] = robustRange(d.errors!, d.n);
    expect(legend.textContent).toContain(formatNumber(lo));
    expect(legend.textContent).toContain(formatNumber(hi));
  });

  it('is disabled without errors, and falls back to labels', async () => {
    await startApp((e) => (e.withErrors = false));
    expect(app.cloud.data!.errors).toBeNull();
    const select = screen.getByLabelText('Colour points by') as HTMLSelectElement;
    const option = within(select).getByRole('option', { name: 'Error' }) as HTMLOptionElement;
    expect(option.disabled).toBe(true);
    app.viewer.colorBy = 'error';
    await settle();
    const legend = screen.getByLabelText('Colour legend');
    expect(legend.textContent).not.toContain('reconstruction error');
    expect(within(legend).getByText('7')).toBeTruthy();
  });

  it('follows live training snapshots, errors included', async () => {
    await startApp();
    app.viewer.colorBy = 'error';
    app.training.activeJobId = 'job-x';
    const d = app.cloud.data!;
    const errors = Float32Array.from({ length: d.n }, (_, r) => 1000 + r);
    engine.emit('trainingLatents', latentsEvent(d, 'job-x', 2, { errors }));
    await settle();
    expect(app.cloud.data!.errors).toBe(errors);
    const [lo, hi] = robustRange(errors, d.n);
    expect(screen.getByLabelText('Colour legend').textContent).toContain(formatNumber(hi));
    expect(lo).toBeGreaterThanOrEqual(1000);
  });
});

describe('data set descriptions in the training panel', () => {
  it('reads the image size of IDX files instead of assuming 28×28', async () => {
    await startApp();
    await fireEvent.change(screen.getByLabelText('Data set'), {
      target: { value: 'idx:IMAGES[,LABELS]' },
    });
    await settle();
    expect(screen.queryByText(/assumed to be 28×28/)).toBeNull();
    const train = screen.getByTestId('train-start') as HTMLButtonElement;
    expect(train.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('IDX images file'), {
      target: { value: '/data/glyphs-images-idx3-ubyte' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    await settle();
    const described = callsOf('describeDataset').at(-1)!.params as { spec: string };
    expect(described.spec).toBe('idx:/data/glyphs-images-idx3-ubyte');
    const summary = screen.getByTestId('dataset-summary');
    expect(summary.textContent).toMatch(/50 train \/ 10 test\s+images,\s+16×16×1/);
    expect(within(summary).getAllByTestId('dataset-preview')).toHaveLength(8);

    expect(train.disabled).toBe(false);
    await fireEvent.click(train);
    await settle();
    const start = callsOf('startTraining').at(-1)!.params as {
      dataset: { spec: string };
      model: { inputShape: number[] };
    };
    expect(start.dataset.spec).toBe('idx:/data/glyphs-images-idx3-ubyte');
    expect(start.model.inputShape).toEqual([16, 16, 1]);
  });

  it('says why IDX files cannot be read', async () => {
    await startApp();
    await fireEvent.change(screen.getByLabelText('Data set'), {
      target: { value: 'idx:IMAGES[,LABELS]' },
    });
    await fireEvent.input(screen.getByLabelText('IDX images file'), {
      target: { value: '/data/missing-images' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toMatch(/no such file/);
    expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows counts and thumbnails of a checked folder, and of an imported one when picked', async () => {
    await startApp();
    await fireEvent.change(screen.getByLabelText('Data set'), { target: { value: 'folder:DIR' } });
    await fireEvent.input(screen.getByLabelText('Image folder path'), {
      target: { value: '/data/pets' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    await settle();
    const summary = screen.getByTestId('dataset-summary');
    expect(summary.textContent).toMatch(/7 train \/ 1 test\s+images,\s+32×32×1/);
    expect(summary.textContent).toMatch(/2 labels: cats, dogs/);
    const previews = within(summary).getAllByTestId('dataset-preview');
    expect(previews).toHaveLength(7);
    expect(previews[1].getAttribute('aria-label')).toBe('Preview item 2: dogs');
    expect(drawsOf(previews[0]).length).toBeGreaterThan(0);

    // A folder imported earlier is described as soon as it is chosen.
    engine.calls.length = 0;
    app.datasets = [
      ...app.datasets,
      {
        spec: 'folder:/data/icons',
        description: 'icons: 8 images',
        imported: true,
        options: { size: 64, channels: 3 },
      },
    ];
    await settle();
    await fireEvent.change(screen.getByLabelText('Data set'), {
      target: { value: 'folder:/data/icons' },
    });
    await settle();
    const asked = callsOf('describeDataset').at(-1)!.params as {
      spec: string;
      options: { size?: number; channels?: number };
    };
    expect(asked).toMatchObject({
      spec: 'folder:/data/icons',
      options: { size: 64, channels: 3 },
    });
    expect(screen.getByTestId('dataset-summary').textContent).toMatch(/64×64×3/);
    expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('nearest neighbours', () => {
  it('show their originals, labels and latent distances, nearest first', async () => {
    await startApp();
    await app.selection.select(7);
    await settle();
    const { neighbours, neighbourDistances } = app.selection;
    expect(neighbours).toHaveLength(8);
    // Distances are Euclidean in latent space, ascending, and match the cloud's means.
    const d = app.cloud.data!;
    const z7 = app.cloud.latent(7)!;
    neighbours.forEach((j, k) => {
      const zj = app.cloud.latent(j)!;
      expect(neighbourDistances[k]).toBeCloseTo(Math.hypot(...zj.map((v, i) => v - z7[i])), 5);
      if (k > 0) expect(neighbourDistances[k]).toBeGreaterThanOrEqual(neighbourDistances[k - 1]);
    });
    // The thumbnails are the data set's items (dataset item = 3 × point index in the fake).
    const size = 64;
    neighbours.forEach((j, k) =>
      expect(app.selection.neighbourOriginals!.slice(k * size, (k + 1) * size)).toEqual(
        originalImage(d.indices[j]),
      ),
    );
    const thumbs = within(screen.getByTestId('neighbours')).getAllByTestId('neighbour');
    expect(thumbs).toHaveLength(8);
    const j0 = neighbours[0];
    expect(thumbs[0].textContent).toContain(app.cloud.label(j0)!);
    expect(thumbs[0].textContent).toContain(formatNumber(neighbourDistances[0], 2));
    expect(screen.getByTestId('neighbours').textContent).toContain('originals');
  });

  it('fall back to reconstructions when the originals cannot be read', async () => {
    await startApp((e) => (e.withItems = false));
    await app.selection.select(7);
    await settle();
    expect(app.selection.neighbourOriginals).toBeNull();
    expect(app.selection.neighbourImages).not.toBeNull();
    expect(screen.getByTestId('neighbours').textContent).toContain('reconstructions');
  });
});
