import type { DatasetEntry } from '../api/connect';

/**
 * Whether the engine must open the data set before its item shape is known: IDX files and image
 * folders (the entry's `itemShape` is null), and imported folders (which carry none).
 */
export function needsDescription(entry: DatasetEntry | undefined): boolean {
  return !entry?.itemShape;
}

/**
 * The item shape a built-in data set produces with these options, which a new model's
 * `inputShape` must match: the engine's descriptor gives it, with the image side replaced by
 * `size` where the data set takes one (shapes). Null where the engine must describe the files.
 */
export function inputShapeFor(
  entry: DatasetEntry | undefined,
  options: { size?: number },
): number[] | null {
  if (!entry?.itemShape) return null;
  const shape = [...entry.itemShape];
  if (entry.sized && options.size) shape.splice(0, 2, options.size, options.size);
  return shape;
}
