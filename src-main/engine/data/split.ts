import { mixSeed, mulberry32, permutation } from '../../shared/random';

/** Rows of one store (or of two, for sources with an official test set) forming each split. */
export interface SplitRows {
  train: Int32Array;
  test: Int32Array;
}

/** Share of the items held out for testing where a source has no official split (MNIST's 10k/70k). */
export const TEST_FRACTION = 1 / 7;

/** Stream tag so the split permutation never coincides with a generator seeded by the same seed. */
const SPLIT_STREAM = 0x5971;

/**
 * A deterministic train/test split of `count` items: a permutation seeded by `seed`, the first
 * ~1/7 to test and the rest to train. At least one test item when count ≥ 2; with a single item
 * both splits hold it (nothing else is possible; callers warn).
 */
export function shuffledSplit(count: number, seed: number): SplitRows {
  if (count < 1) throw new Error('cannot split an empty dataset');
  if (count === 1) return { train: Int32Array.of(0), test: Int32Array.of(0) };
  const order = permutation(count, mulberry32(mixSeed(seed, SPLIT_STREAM, count)));
  const testCount = Math.min(count - 1, Math.max(1, Math.round(count * TEST_FRACTION)));
  return { train: order.slice(testCount), test: order.slice(0, testCount) };
}

/** All rows 0..count-1 in order (an official split kept as published). */
export function allRows(count: number): Int32Array {
  const rows = new Int32Array(count);
  for (let i = 0; i < count; i++) rows[i] = i;
  return rows;
}

/**
 * `--limit N`: the training split keeps its first N rows, the test split shrinks in proportion and
 * keeps at least one row. Taking prefixes (not a fresh sample) keeps a limited split a subset of
 * the full one, so a quick run on `--limit 1000` sees the same items a full run starts with.
 */
export function limitSplit(split: SplitRows, limit: number | undefined): SplitRows {
  const sizes = limitedSizes(split.train.length, split.test.length, limit);
  return { train: split.train.slice(0, sizes.train), test: split.test.slice(0, sizes.test) };
}

/** The split sizes after `--limit`, for sources that generate items rather than store them. */
export function limitedSizes(
  trainCount: number,
  testCount: number,
  limit: number | undefined,
): { train: number; test: number } {
  if (limit === undefined || limit >= trainCount) return { train: trainCount, test: testCount };
  const test = Math.min(testCount, Math.max(1, Math.round((testCount * limit) / trainCount)));
  return { train: limit, test };
}
