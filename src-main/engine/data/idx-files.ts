import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { splitViews } from './array-dataset';
import type { ItemStore } from './array-dataset';
import type { DatasetSplit } from './dataset';
import type { IdxArray } from './idx';
import { readIdx } from './idx';
import type { DatasetSource, OpenRequest } from './source';
import { allRows, limitSplit, shuffledSplit } from './split';

/**
 * `idx:IMAGES[,LABELS]`: any IDX image file, with an optional IDX label file (Fashion-MNIST,
 * KMNIST, EMNIST, …). One file set is split deterministically by the seed (~1/7 to test). When the
 * images file is named like `train-…` and its `t10k-…` or `test-…` sibling exists (with a labels
 * sibling too when labels are given), that sibling is used as the published test set instead,
 * as the MNIST family is meant to be evaluated.
 */
export const idxSource: DatasetSource = {
  scheme: 'idx',
  argument: 'required',
  entries: [
    {
      spec: 'idx:IMAGES[,LABELS]',
      description:
        'IDX image file (and optional label file), e.g. Fashion-MNIST; .gz accepted; ' +
        'split 6:1 by seed unless a t10k/test sibling exists',
      itemShape: null,
    },
  ],
  // The engine also reads a `t10k-`/`test-` sibling of the images file: same folder.
  paths: (argument) =>
    argument
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  open: openIdxFiles,
};

async function openIdxFiles({ argument, options }: OpenRequest): Promise<DatasetSplit> {
  const parts = argument.split(',').map((part) => part.trim());
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new Error(`idx dataset needs "idx:IMAGES" or "idx:IMAGES,LABELS", got "idx:${argument}"`);
  }
  const imagesFile = resolve(parts[0]);
  const labelsFile = parts[1] === undefined ? undefined : resolve(parts[1]);
  const descriptor = {
    spec: `idx:${labelsFile ? `${imagesFile},${labelsFile}` : imagesFile}`,
    options,
  };
  const name = `idx:${basename(imagesFile)}`;
  const store = await readIdxStore(imagesFile, labelsFile);

  const testImages = testSibling(imagesFile);
  const testLabels = labelsFile && testSibling(labelsFile);
  if (testImages && (!labelsFile || testLabels)) {
    const testStore = await readIdxStore(testImages, testLabels || undefined);
    if (testStore.itemShape.join() !== store.itemShape.join()) {
      throw new Error(
        `${testImages}: items are [${testStore.itemShape}] but ${imagesFile} has [${store.itemShape}]`,
      );
    }
    unifyLabelNames(store, testStore);
    const rows = limitSplit(
      { train: allRows(store.count), test: allRows(testStore.count) },
      options.limit,
    );
    return splitViews(name, descriptor, store, rows, [], testStore);
  }

  const rows = limitSplit(shuffledSplit(store.count, options.seed ?? 0), options.limit);
  const warnings = store.count === 1 ? [`${imagesFile}: only one image, test split reuses it`] : [];
  return splitViews(name, descriptor, store, rows, warnings);
}

/** Reads an IDX image file and optional label file into a store; errors name the file at fault. */
export async function readIdxStore(
  imagesFile: string,
  labelsFile?: string,
  labelNames?: string[],
): Promise<ItemStore> {
  const [images, labels] = await Promise.all([
    readIdx(imagesFile),
    labelsFile ? readIdx(labelsFile) : undefined,
  ]);
  return idxStore(images, imagesFile, labels, labelsFile, labelNames);
}

/**
 * Images [n, h, w] become items [h, w, 1]; [n, h, w, c] stay [h, w, c]; [n, d] become vectors [d].
 * Labels must be [n] (or [n, 1]) with the same n.
 */
export function idxStore(
  images: IdxArray,
  imagesFile: string,
  labels?: IdxArray,
  labelsFile?: string,
  labelNames?: string[],
): ItemStore {
  const [count, ...rest] = images.dims;
  let itemShape: number[];
  if (rest.length === 1) itemShape = rest;
  else if (rest.length === 2) itemShape = [rest[0], rest[1], 1];
  else if (rest.length === 3) itemShape = rest;
  else {
    throw new Error(
      `${imagesFile}: IDX dimensions [${images.dims}] are not images [count, rows, cols(, channels)]`,
    );
  }
  if (count === 0 || itemShape.some((d) => d === 0)) {
    throw new Error(`${imagesFile}: IDX file holds no images (dimensions [${images.dims}])`);
  }
  const store: ItemStore = { itemShape, count, data: images.data };
  if (labels && labelsFile) {
    const [labelCount, ...labelRest] = labels.dims;
    if (labelRest.some((d) => d !== 1)) {
      throw new Error(
        `${labelsFile}: IDX labels must be one byte per item, dimensions are [${labels.dims}]`,
      );
    }
    if (labelCount !== count) {
      throw new Error(
        `${labelsFile}: ${labelCount} labels but ${imagesFile} holds ${count} images; ` +
          'the label count must equal the image count',
      );
    }
    store.labels = Int32Array.from(labels.data);
    let max = 0;
    for (const label of store.labels) max = Math.max(max, label);
    store.labelNames = labelNames ?? Array.from({ length: max + 1 }, (_, k) => String(k));
    if (store.labelNames.length <= max) {
      throw new Error(
        `${labelsFile}: label ${max} has no name (${store.labelNames.length} classes)`,
      );
    }
  }
  return store;
}

/** `…/train-images-idx3-ubyte(.gz)` → `…/t10k-images-idx3-ubyte(.gz)` or `…/test-…`, if present. */
function testSibling(file: string): string | undefined {
  const base = basename(file);
  if (!/train/i.test(base)) return undefined;
  for (const replacement of ['t10k', 'test']) {
    const candidate = join(dirname(file), base.replace(/train/i, replacement));
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Train and test must name the same classes even if one of them lacks the highest label. */
function unifyLabelNames(a: ItemStore, b: ItemStore): void {
  if (!a.labelNames || !b.labelNames) return;
  const longer = a.labelNames.length >= b.labelNames.length ? a.labelNames : b.labelNames;
  a.labelNames = longer;
  b.labelNames = longer;
}
