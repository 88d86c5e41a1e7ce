/**
 * The one small interface every data source implements. Items live in memory; `batch` copies the
 * requested rows into a fresh row-major Float32Array with values in [0, 1].
 */
export interface Dataset {
  /** Human-readable name, e.g. `mnist (train)`. */
  readonly name: string;
  /** How to open this dataset again (stored in checkpoints). */
  readonly descriptor: DatasetDescriptor;
  /** Shape of one item: `[height, width, channels]` for images, `[d]` for point sets. */
  readonly itemShape: number[];
  readonly count: number;
  /** Integer class labels, one per item, when the source has them. */
  readonly labels?: Int32Array;
  /** Names of the label classes, when known (index = label). */
  readonly labelNames?: string[];
  /** Known generative factors (dSprites-style): `values` is count × names.length, row-major. */
  readonly factors?: { names: string[]; values: Float32Array };
  /** The items at `indices`, concatenated row-major, each of size product(itemShape), in [0, 1]. */
  batch(indices: ArrayLike<number>): Float32Array;
}

/** Everything needed to reopen a dataset: the spec string and the options used. */
export interface DatasetDescriptor {
  /** `mnist`, `idx:IMAGES[,LABELS]`, `folder:DIR`, `shapes`, `toy:NAME`. */
  spec: string;
  options: DatasetOptions;
}

export interface DatasetOptions {
  /** Cap the training split at this many items (the test split shrinks in proportion, ≥ 1). */
  limit?: number;
  /** Seed for procedural data and for the train/test split where the source has none. */
  seed?: number;
  /** Side length images are resized to (folder), or generated at (shapes: 32 or 64). */
  size?: number;
  /** 1 = grayscale, 3 = RGB (folder datasets). */
  channels?: 1 | 3;
}

export interface DatasetSplit {
  train: Dataset;
  test: Dataset;
  /** Non-fatal problems, e.g. "skipped 3 unreadable files: a.png, b.jpg, c.webp". */
  warnings: string[];
}

export function itemSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
