import { describe, expect, it } from 'vitest';
import {
  decodeIndices,
  decodeViewState,
  encodeIndices,
  encodeViewState,
} from '../../../src-renderer/lib/bookmarks/view-state';
import type { ViewState } from '../../../src-renderer/lib/bookmarks/view-state';

const state: ViewState = {
  modelId: 'mnist-vae',
  projection: 'tsne',
  colorBy: 'meta:genre',
  camera: { position: [1.25, -0.5, 3.125], target: [0, 0.0625, 0] },
  filter: 'label:3 error>120',
  selection: [0, 1, 2, 3, 127, 128, 16383, 16384, 69999],
  sliders: [0.5, -1.25, 0, 2],
};

describe('the view in the URL hash', () => {
  it('round-trips: state → hash → the same state', () => {
    const hash = encodeViewState(state);
    expect(hash).toMatch(/^#view=1\.[A-Za-z0-9_-]+$/);
    expect(decodeViewState(hash)).toEqual({ ok: true, state });
    // Without the optional parts, and with an empty selection.
    const bare: ViewState = {
      modelId: 'm',
      projection: 'pca',
      colorBy: 'label',
      filter: '',
      selection: [],
    };
    expect(decodeViewState(encodeViewState(bare))).toEqual({ ok: true, state: bare });
    // The attribute-axes view with its vectors, and moved vector sliders.
    const axes: ViewState = {
      ...bare,
      projection: 'attributes',
      axes: ['smile', 'bold'],
      vectorAmounts: [['smile', 0.75]],
    };
    expect(decodeViewState(encodeViewState(axes))).toEqual({ ok: true, state: axes });
  });

  it('keeps a selection compact: a run of 10,000 neighbours in about 10 kB, scattered ones ≤ 3 bytes each', () => {
    const run = Array.from({ length: 10_000 }, (_, i) => 5000 + i);
    const text = encodeIndices(run);
    expect(text.length).toBeLessThan(13_700);
    expect(decodeIndices(text)).toEqual(run);
    const scattered = Array.from({ length: 1000 }, (_, i) => i * 70);
    expect(encodeIndices(scattered).length).toBeLessThan(1000 * 3);
    expect(decodeIndices(encodeIndices(scattered))).toEqual(scattered);
  });

  it('refuses a hash of another version or a damaged one, and ignores a hash without a view', () => {
    const hash = encodeViewState(state);
    expect(decodeViewState(hash.replace('view=1.', 'view=0.'))).toEqual({
      ok: false,
      reason: expect.stringContaining('version 0'),
    });
    expect(decodeViewState(hash.slice(0, hash.length - 7))).toMatchObject({ ok: false });
    expect(decodeViewState('#view=1.@@@')).toMatchObject({ ok: false });
    expect(decodeViewState('#view=1.' + btoa('{"m":"x"}'))).toMatchObject({ ok: false });
    expect(decodeViewState('#view=1.' + btoa('{"m":"x","p":"lle","c":"label"}'))).toMatchObject({
      ok: false,
    });
    expect(decodeViewState('')).toBeNull();
    expect(decodeViewState('#section-2')).toBeNull();
  });

  it('refuses damaged index encodings', () => {
    expect(() => decodeIndices('gA')).toThrow(); // a continuation byte with nothing after it
    expect(() => decodeIndices('AA')).toThrow(); // a zero gap: not ascending
  });
});
