import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitViews } from './array-dataset';
import type { DatasetSplit } from './dataset';
import { readIdxStore } from './idx-files';
import type { DatasetSource, OpenRequest } from './source';
import { allRows, limitSplit } from './split';

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): Zalando's 70,000 28×28 grayscale photos of clothes
 * in 10 classes, a drop-in for MNIST that is harder to model. Read from the first folder holding
 * its four IDX files:
 * 1. `$LATENT_ATLAS_FASHION_MNIST`;
 * 2. Debian's `dataset-fashion-mnist` package (`/usr/share/datasets/fashion-mnist`), all 70,000;
 * 3. the copy the app bundles (`resources/datasets/fashion-mnist`): the first 10,000 of the
 *    training images and the whole test set, enough to explore the bundled demo (its cloud is
 *    those first 10,000) but a warning says training on it sees a sixth of the data.
 */
export const fashionMnistSource: DatasetSource = {
  scheme: 'fashion-mnist',
  argument: 'none',
  entries: [
    {
      spec: 'fashion-mnist',
      description: 'Fashion-MNIST clothes, 28×28 gray, 10 classes, 60k train / 10k test',
      itemShape: [28, 28, 1],
    },
  ],
  paths: () => [],
  open: openFashionMnist,
};

export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
/** Items in the published training split; the bundled copy holds fewer. */
const FULL_TRAIN = 60_000;

/** The bundled copy: beside the packaged app (Electron's resourcesPath) or in the repository. */
function bundledDirs(): string[] {
  const dirs: string[] = [];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) dirs.push(join(resourcesPath, 'datasets', 'fashion-mnist'));
  // import.meta.url is empty when bundled to CommonJS; the working directory is the repository's.
  let dir = import.meta.url ? dirname(fileURLToPath(import.meta.url)) : process.cwd();
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    dirs.push(join(dir, 'resources', 'datasets', 'fashion-mnist'));
  }
  return dirs;
}

/** The folders searched, in order of preference. */
export function fashionMnistDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    ...(env.LATENT_ATLAS_FASHION_MNIST ? [env.LATENT_ATLAS_FASHION_MNIST] : []),
    DEBIAN_FASHION_MNIST,
    ...bundledDirs(),
  ];
}

export function findFashionMnist(dirs = fashionMnistDirs()): string {
  const found = dirs.find((dir) =>
    Object.values(FILES).every((file) => existsSync(join(dir, file))),
  );
  if (!found) {
    throw new Error(
      'Fashion-MNIST is unavailable: none of ' +
        `${[...new Set(dirs)].join(', ')} holds ${Object.values(FILES).join(', ')} ` +
        "(install Debian's dataset-fashion-mnist or set LATENT_ATLAS_FASHION_MNIST to a folder with them)",
    );
  }
  return found;
}

async function openFashionMnist({ spec, options }: OpenRequest): Promise<DatasetSplit> {
  const dir = findFashionMnist();
  const [train, test] = await Promise.all([
    readIdxStore(join(dir, FILES.trainImages), join(dir, FILES.trainLabels), FASHION_CLASSES),
    readIdxStore(join(dir, FILES.testImages), join(dir, FILES.testLabels), FASHION_CLASSES),
  ]);
  const warnings =
    train.count < FULL_TRAIN
      ? [
          `${dir} holds ${train.count.toLocaleString('en-US')} of the ` +
            `${FULL_TRAIN.toLocaleString('en-US')} training images; install Debian's ` +
            'dataset-fashion-mnist (or set LATENT_ATLAS_FASHION_MNIST) to train on all of them',
        ]
      : [];
  const rows = limitSplit(
    { train: allRows(train.count), test: allRows(test.count) },
    options.limit,
  );
  return splitViews('fashion-mnist', { spec, options }, train, rows, warnings, test);
}
