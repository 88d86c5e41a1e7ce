import { splitViews } from '../../src-main/engine/data/array-dataset';
import type { DatasetSource } from '../../src-main/engine/data/source';

/** A dataset source as a new file would add one: eight 5-D points, none of the user's files. */
export const fixture: DatasetSource = {
  scheme: 'fixture-points',
  argument: 'none',
  usage: 'fixture-points',
  entries: [
    { spec: 'fixture-points', description: 'five-dimensional test points', itemShape: [5] },
  ],
  paths: () => [],
  async open({ spec, options }) {
    const data = Float32Array.from({ length: 8 * 5 }, (_, i) => i / 40);
    const store = { data, itemShape: [5], count: 8 };
    return splitViews('fixture-points', { spec, options }, store, {
      train: Int32Array.of(0, 1, 2, 3, 4, 5),
      test: Int32Array.of(6, 7),
    });
  },
};
