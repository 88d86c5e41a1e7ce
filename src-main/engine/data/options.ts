import type { DatasetOptions } from './dataset';

/** Seed used when none is given, so two runs without `--seed` see the same split and data. */
export const DEFAULT_SEED = 0;

/**
 * Checks the options every source shares and fills in the seed. Sources check what only they
 * understand (the sizes shapes can be drawn at, say). Unknown keys are dropped so a descriptor
 * stored in a checkpoint carries only what reopening needs.
 */
export function validateOptions(options: DatasetOptions = {}): DatasetOptions & { seed: number } {
  const { limit, seed = DEFAULT_SEED, size, channels } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new Error(`dataset limit must be a positive integer, got ${limit}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`dataset seed must be a non-negative integer, got ${seed}`);
  }
  if (size !== undefined && !(Number.isInteger(size) && size >= 4 && size <= 1024)) {
    throw new Error(`image size must be an integer from 4 to 1024, got ${size}`);
  }
  if (channels !== undefined && channels !== 1 && channels !== 3) {
    throw new Error(`channels must be 1 (grayscale) or 3 (RGB), got ${channels}`);
  }
  const out: DatasetOptions & { seed: number } = { seed };
  if (limit !== undefined) out.limit = limit;
  if (size !== undefined) out.size = size;
  if (channels !== undefined) out.channels = channels;
  return out;
}
