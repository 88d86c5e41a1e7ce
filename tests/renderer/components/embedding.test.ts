import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { LatentSnapshot, ModelInfo } from '../../../src-main/api/records';
import { ModelConfig } from '../../../src-main/shared/config';
import { attributeVector } from '../../../src-main/shared/maths/attribute-vectors';
import { effectiveColorMode, PointColouring } from '../../../src-renderer/viewer/colouring';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';
import type { FakeEngine } from '../fake-api';

afterEach(disposeFakeApps);

const SPECIES = ['heron', 'newt', 'otter', 'wren'];
const N = 40;

/** An imported embedding as the engine lists it: no decoder, no dataset, thumbnails 8×8×3. */
const POND: ModelInfo = {
  modelId: 'pond',
  name: 'Pond',
  createdAt: '2024-02-01T00:00:00.000Z',
  updatedAt: '2024-02-01T00:00:00.000Z',
  epoch: 0,
  inputShape: [8, 8, 3],
  latent: { kind: 'gaussian', dim: 5 },
  objective: 'kl',
  net: 'mlp',
  format: 'embedding',
  dataset: null,
  training: false,
  demo: false,
  testElbo: null,
};

/** Its cloud: the vectors, a category column (species) and a number column (size, one missing). */
function pondSnapshot(): LatentSnapshot {
  const means = Float32Array.from({ length: N * 5 }, (_, i) => Math.sin(i) + (i % 4));
  return {
    means,
    n: N,
    dim: 5,
    labels: null,
    labelNames: null,
    indices: Int32Array.from({ length: N }, (_, i) => i),
    split: 'all',
    metadata: [
      {
        name: 'species',
        kind: 'category',
        codes: Int32Array.from({ length: N }, (_, i) => (i === 5 ? -1 : i % 4)),
        categories: SPECIES,
      },
      {
        name: 'size',
        kind: 'number',
        values: Float32Array.from({ length: N }, (_, i) => (i === 3 ? NaN : i)),
      },
    ],
  };
}

/** The fake engine with the embedding beside its models; its cloud comes with the metadata. */
function withPond(engine: FakeEngine): void {
  engine.models.push(POND);
  const api = engine.api;
  const latents = api.latents.bind(api);
  const openModel = api.openModel.bind(api);
  api.latents = async (p) =>
    p.modelId === 'pond' ? { ...pondSnapshot(), weightsVersion: null } : latents(p);
  api.openModel = async (p) =>
    p.modelId === 'pond'
      ? {
          model: {
            ...POND,
            hasEncoder: false,
            config: ModelConfig.parse({
              inputShape: [8, 8, 3],
              latent: { kind: 'gaussian', dim: 5 },
              objective: { kind: 'kl', weight: 1 },
              net: { kind: 'mlp' },
              likelihood: 'bernoulli',
            }),
          },
        }
      : openModel(p);
}

describe('an imported embedding in the page', () => {
  it('hides the decoding controls with one line saying why, and never asks to decode', async () => {
    const { app, engine } = await startFakeApp({ render: true, configure: withPond });
    await app.openModel('pond');
    await settle();
    expect(app.cloud.data?.n).toBe(N);
    expect(screen.getByTestId('current-model').textContent).toBe('Pond');
    expect(document.body.textContent).toContain('embedding · d = 5 · no decoder');
    const line = () => screen.getByTestId('no-decoder').textContent!;
    expect(line()).toMatch(/^An imported embedding has no decoder: .*no image to traverse/);
    expect(screen.queryAllByTestId('latent-slider')).toHaveLength(0);
    expect(screen.queryByTestId('traversal-preview')).toBeNull();
    const tabs = screen.getByRole('tablist', { name: 'Tools' });
    within(tabs).getByRole('tab', { name: 'Generate' }).click();
    await settle();
    expect(line()).toMatch(/nothing to sample, interpolate or vary/);
    expect(screen.queryByText('Re-roll')).toBeNull();
    within(tabs).getByRole('tab', { name: 'Favourites' }).click();
    await settle();
    expect(line()).toMatch(/no decoded images to keep as favourites/);
    // Selecting a point shows its neighbours; nothing is decoded for it.
    await app.selection.select(2);
    await settle();
    expect(app.selection.neighbours.length).toBeGreaterThan(0);
    const asked = engine.calls.filter((c) => (c.params as { modelId?: string }).modelId === 'pond');
    expect(asked.map((c) => c.method)).not.toContain('decode');
    expect(asked.map((c) => c.method)).not.toContain('samplePrior');
    // The library card says what it is, without an epoch.
    const card = screen.getByTitle('Open Pond');
    expect(card.textContent).toContain('embedding · d=5 · no decoder');
    expect(card.textContent).not.toContain('epoch');
  });

  it('offers the metadata columns as colours: categories with a legend, numbers on a scale', async () => {
    const { app } = await startFakeApp({ render: true, configure: withPond });
    await app.openModel('pond');
    await settle();
    const data = app.cloud.data!;
    const select = screen.getByLabelText('Colour points by') as HTMLSelectElement;
    const options = Array.from(select.options, (o) => [o.value, o.textContent]);
    expect(options).toContainEqual(['meta:species', 'species']);
    expect(options).toContainEqual(['meta:size', 'size']);
    // Without labels the cloud opens coloured by its first category column.
    expect(effectiveColorMode('label', data)).toBe('meta:species');
    // Its hover label is the point's species, as the Projector labels points by a column.
    expect(app.cloud.label(2)).toBe('otter');
    expect(app.cloud.label(5)).toBeNull();

    const colouring = new PointColouring();
    const positions = new Float32Array(N * 3);
    const species = colouring.colour(positions, data, 'meta:species', null);
    expect(species.legend?.kind).toBe('categories');
    const items = species.legend?.kind === 'categories' ? species.legend.items : [];
    expect(items.map((i) => i.name)).toEqual([...SPECIES, '(missing: 1)']);
    expect(new Set(items.map((i) => i.color)).size).toBe(5);
    // Point 5 has no species: grey; points of one species share a colour.
    expect(Array.from(species.colors.subarray(15, 18))).toEqual([110, 116, 128]);
    expect(Array.from(species.colors.subarray(0, 3))).toEqual(
      Array.from(species.colors.subarray(12, 15)),
    );
    const size = colouring.colour(positions, data, 'meta:size', null);
    expect(size.legend).toMatchObject({ kind: 'scale', title: 'size' });
    expect(Array.from(size.colors.subarray(9, 12))).toEqual([110, 116, 128]);
    // A column this cloud lacks falls back as labels do.
    expect(effectiveColorMode('meta:colour', data)).toBe('meta:species');

    // Picking a column in the dropdown recolours; opening another model starts from labels.
    select.value = 'meta:size';
    select.dispatchEvent(new Event('change'));
    await settle();
    expect(app.viewer.colorBy).toBe('meta:size');
    await app.openModel('mnist-gaussian');
    await settle();
    expect(app.viewer.colorBy).toBe('label');
    expect(app.cloud.data?.metadata).toEqual([]);
    expect(screen.queryByTestId('no-decoder')).toBeNull();
    expect(screen.getAllByTestId('latent-slider').length).toBeGreaterThan(0);
  });

  it('makes and saves attribute vectors from its metadata categories, and lays the cloud out along them', async () => {
    const { app, engine } = await startFakeApp({ render: true, configure: withPond });
    await app.openModel('pond');
    await settle();
    const panel = screen.getByTestId('vectors-panel');
    // No decoder: no sliders or analogies, but the groups include each species.
    expect(within(panel).queryByText('Analogy a − b + c')).toBeNull();
    const from = within(panel).getByTestId('vector-from') as HTMLSelectElement;
    const groups = Array.from(from.options, (o) => o.textContent);
    expect(groups).toEqual(expect.arrayContaining(SPECIES.map((s) => `species ${s}`)));
    await fireEvent.change(from, { target: { value: 'meta:0:species' } });
    await fireEvent.change(within(panel).getByTestId('vector-to'), {
      target: { value: 'meta:2:species' },
    });
    await fireEvent.click(within(panel).getByTestId('vector-make'));
    await settle();
    // The mean difference of the herons' and the otters' vectors (point 5 has no species).
    const data = app.cloud.data!;
    const rows = (k: number) =>
      Array.from({ length: N }, (_, i) => i).filter((i) => i !== 5 && i % 4 === k);
    const want = attributeVector({ data: data.means, n: N, d: 5 }, rows(0), rows(2), {
      sphere: false,
    });
    expect(app.vectors.made!.result.vector).toEqual(want.vector);
    expect(within(panel).getByTestId('vector-made').textContent).toContain(
      `${rows(0).length} → ${rows(2).length} points`,
    );
    await fireEvent.input(within(panel).getByTestId('vector-name'), {
      target: { value: 'heron-to-otter' },
    });
    await fireEvent.click(within(panel).getByTestId('vector-save'));
    await settle();
    expect(engine.vectors.get('pond')!.has('heron-to-otter')).toBe(true);
    expect(within(panel).getAllByTestId('vector-row')[0].textContent).toContain(
      'species heron → species otter',
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Attributes' }));
    await settle();
    expect(app.viewer.axisVectors).toEqual(['heron-to-otter']);
    expect(screen.queryByTestId('axes-error')).toBeNull();
    const asked = engine.calls.filter((c) => (c.params as { modelId?: string }).modelId === 'pond');
    expect(asked.map((c) => c.method)).not.toContain('decode');
  });
});
