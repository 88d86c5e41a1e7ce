import { openDataset } from '../engine/data/registry';
import type { DatasetSplit } from '../engine/data/dataset';
import type { DatasetDescriptor } from '../api/records';

/**
 * Opened datasets, by descriptor: the point cloud and coverage of a model both need its data, and
 * reading MNIST or a folder of images again for every request would be slow. Two are kept.
 */
export class DatasetCache {
  private readonly open = new Map<string, Promise<DatasetSplit>>();

  constructor(private readonly capacity = 2) {}

  get(descriptor: DatasetDescriptor): Promise<DatasetSplit> {
    const key = JSON.stringify([descriptor.spec, descriptor.options]);
    let split = this.open.get(key);
    if (split) {
      this.open.delete(key);
    } else {
      split = openDataset(descriptor.spec, descriptor.options);
      split.catch(() => this.open.delete(key));
    }
    this.open.set(key, split);
    while (this.open.size > this.capacity)
      this.open.delete(this.open.keys().next().value as string);
    return split;
  }
}
