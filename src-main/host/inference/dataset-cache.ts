import { openDataset } from '../../engine/data/registry';
import { validateOptions } from '../../engine/data/options';
import type { DatasetSplit } from '../../engine/data/dataset';
import type { DatasetDescriptor } from '../../api/records';

/**
 * Opened datasets, by descriptor: the point cloud, the original items and the coverage of a model
 * all need its data, and reading MNIST or a folder of images again for every request (a hover
 * asks for one item) would be slow. Two are kept.
 */
export class DatasetCache {
  private readonly open = new Map<string, Promise<DatasetSplit>>();

  constructor(private readonly capacity = 2) {}

  get(descriptor: DatasetDescriptor): Promise<DatasetSplit> {
    const key = keyOf(descriptor);
    let split = this.open.get(key);
    if (split) {
      this.open.delete(key);
    } else {
      split = openDataset(descriptor.spec, descriptor.options);
      split.catch(() => {
        if (this.open.get(key) === split) this.open.delete(key);
      });
    }
    return this.keep(key, split);
  }

  /** Replaces what is cached for `descriptor` with a split opened just now (a folder re-read). */
  put(descriptor: DatasetDescriptor, split: DatasetSplit): void {
    const key = keyOf(descriptor);
    this.open.delete(key);
    void this.keep(key, Promise.resolve(split));
  }

  private keep(key: string, split: Promise<DatasetSplit>): Promise<DatasetSplit> {
    this.open.set(key, split);
    while (this.open.size > this.capacity)
      this.open.delete(this.open.keys().next().value as string);
    return split;
  }
}

/**
 * One key per dataset, however its options were written: `{}` and `{ seed: 0 }` (the default a
 * checkpoint records) open the same data.
 */
function keyOf({ spec, options }: DatasetDescriptor): string {
  let normalized: unknown = options;
  try {
    normalized = validateOptions(options);
  } catch {
    // Invalid options: openDataset will say why; the key only has to be stable.
  }
  return JSON.stringify([spec.trim(), normalized]);
}
