import type { Dataset, DatasetDescriptor, DatasetSplit } from './dataset';
import { itemSize } from './dataset';
import type { SplitRows } from './split';

/**
 * All items of one source in memory, before any split. Images are kept as bytes (a quarter of
 * the memory of floats: full MNIST is 47 MB instead of 188 MB) and converted to [0, 1] floats only
 * in `batch`; point sets are kept as floats already in [0, 1].
 */
export interface ItemStore {
  itemShape: number[];
  count: number;
  /** count × itemSize(itemShape), row-major. Uint8Array is read as intensity / 255. */
  data: Uint8Array | Float32Array;
  labels?: Int32Array;
  labelNames?: string[];
  factors?: { names: string[]; values: Float32Array };
}

const BYTE_TO_UNIT = 1 / 255;

/**
 * A `Dataset` over some rows of an `ItemStore`. Train and test splits are two views on one store,
 * so splitting never copies pixels; labels and factors are gathered per view (they are small).
 */
export class ArrayDataset implements Dataset {
  readonly itemShape: number[];
  readonly count: number;
  readonly labels?: Int32Array;
  readonly labelNames?: string[];
  readonly factors?: { names: string[]; values: Float32Array };
  private readonly size: number;

  /** `rows`: which rows of `store` form this dataset, in order; all of them when omitted. */
  constructor(
    readonly name: string,
    readonly descriptor: DatasetDescriptor,
    private readonly store: ItemStore,
    private readonly rows?: Int32Array,
  ) {
    this.itemShape = [...store.itemShape];
    this.size = itemSize(store.itemShape);
    this.count = rows ? rows.length : store.count;
    if (store.data.length !== store.count * this.size) {
      throw new Error(
        `${name}: store holds ${store.data.length} values, expected ${store.count} × ${this.size}`,
      );
    }
    if (rows) {
      for (const row of rows) {
        if (row < 0 || row >= store.count) throw new RangeError(`${name}: row ${row} out of range`);
      }
    }
    if (store.labels) this.labels = rows ? gather(store.labels, rows, 1) : store.labels;
    if (store.labelNames) this.labelNames = [...store.labelNames];
    if (store.factors) {
      const k = store.factors.names.length;
      this.factors = {
        names: [...store.factors.names],
        values: rows ? gather(store.factors.values, rows, k) : store.factors.values,
      };
    }
  }

  batch(indices: ArrayLike<number>): Float32Array {
    const { size, store, rows } = this;
    const out = new Float32Array(indices.length * size);
    const bytes = store.data instanceof Uint8Array;
    for (let b = 0; b < indices.length; b++) {
      const index = indices[b];
      if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) {
        throw new RangeError(`${this.name}: index ${index} out of range [0, ${this.count})`);
      }
      const start = (rows ? rows[index] : index) * size;
      const target = b * size;
      if (bytes) {
        for (let j = 0; j < size; j++) out[target + j] = store.data[start + j] * BYTE_TO_UNIT;
      } else {
        out.set(store.data.subarray(start, start + size), target);
      }
    }
    return out;
  }
}

/**
 * Train and test views named `NAME (train)` / `NAME (test)`. The test rows index `testStore`,
 * which is `store` itself unless the source ships a separate test set (MNIST's t10k files).
 */
export function splitViews(
  name: string,
  descriptor: DatasetDescriptor,
  store: ItemStore,
  rows: SplitRows,
  warnings: string[] = [],
  testStore: ItemStore = store,
): DatasetSplit {
  return {
    train: new ArrayDataset(`${name} (train)`, descriptor, store, rows.train),
    test: new ArrayDataset(`${name} (test)`, descriptor, testStore, rows.test),
    warnings,
  };
}

/** Copies rows of `width` values each, in the order of `rows`. */
function gather<T extends Int32Array | Float32Array>(
  source: T,
  rows: Int32Array,
  width: number,
): T {
  const out = new (source.constructor as new (n: number) => T)(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    out.set(source.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  }
  return out;
}
