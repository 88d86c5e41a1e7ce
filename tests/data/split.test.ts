import { describe, expect, it } from 'vitest';
import { limitSplit, limitedSizes, shuffledSplit } from '../../src-main/engine/data/split';

describe('train/test split', () => {
  it('holds out ~1/7, disjoint, covering every item', () => {
    const { train, test } = shuffledSplit(70, 5);
    expect(train.length).toBe(60);
    expect(test.length).toBe(10);
    const all = [...train, ...test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 70 }, (_, i) => i));
  });

  it('is a function of the seed', () => {
    expect(shuffledSplit(500, 1)).toEqual(shuffledSplit(500, 1));
    expect(shuffledSplit(500, 1).test).not.toEqual(shuffledSplit(500, 2).test);
  });

  it('keeps one test item for tiny sets', () => {
    expect(shuffledSplit(2, 0).test.length).toBe(1);
    expect(shuffledSplit(2, 0).train.length).toBe(1);
    expect(shuffledSplit(1, 0)).toEqual({ train: Int32Array.of(0), test: Int32Array.of(0) });
  });

  it('--limit caps train and shrinks test in proportion, at least 1', () => {
    expect(limitedSizes(60_000, 10_000, 600)).toEqual({ train: 600, test: 100 });
    expect(limitedSizes(60_000, 10_000, 1)).toEqual({ train: 1, test: 1 });
    expect(limitedSizes(60_000, 10_000, undefined)).toEqual({ train: 60_000, test: 10_000 });
    expect(limitedSizes(60_000, 10_000, 100_000)).toEqual({ train: 60_000, test: 10_000 });
  });

  it('--limit keeps prefixes, so a limited split is part of the full one', () => {
    const full = shuffledSplit(700, 9);
    const limited = limitSplit(full, 60);
    expect(limited.train).toEqual(full.train.slice(0, 60));
    expect(limited.test).toEqual(full.test.slice(0, 10));
  });
});
