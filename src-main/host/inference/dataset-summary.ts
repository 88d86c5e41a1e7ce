import type { DatasetSplit } from '../../engine/data/dataset';
import type { DatasetOptions, DatasetPreview, DatasetSummary } from '../../api/records';

/** Thumbnails are at most this many pixels on a side (larger images are box-filtered down). */
export const THUMB_SIDE = 64;

/**
 * What a dataset holds, for the training panel: item shape, counts, label names, warnings and
 * `previewCount` thumbnails spread evenly over the training items.
 */
export function summarizeDataset(
  split: DatasetSplit,
  spec: string,
  options: DatasetOptions,
  previewCount: number,
): DatasetSummary {
  const { train, test } = split;
  return {
    spec,
    options,
    name: train.name.replace(/ \(train\)$/, ''),
    itemShape: [...train.itemShape],
    trainCount: train.count,
    testCount: test.count,
    ...(train.labelNames ? { labelNames: [...train.labelNames] } : {}),
    warnings: [...split.warnings],
    preview: previewOf(split, previewCount),
  };
}

function previewOf(split: DatasetSplit, count: number): DatasetPreview {
  const { train } = split;
  const n = Math.min(count, train.count);
  // Evenly spread, so a folder sorted by class shows several classes.
  const indices = Int32Array.from({ length: n }, (_, i) => Math.floor((i * train.count) / n));
  const labels = train.labels ? Int32Array.from(indices, (i) => train.labels![i]) : null;
  const itemShape = train.itemShape;
  if (itemShape.length !== 3 || Math.max(itemShape[0], itemShape[1]) <= THUMB_SIDE)
    return { images: train.batch(indices), n, shape: [...itemShape], indices, labels };
  // One item at a time: 32 items of 1024² RGB would be 400 MB as one batch.
  const [h, w, c] = itemShape;
  let shape: number[] = [];
  let images = new Float32Array(0);
  indices.forEach((index, k) => {
    const thumb = shrink(train.batch([index]), 1, h, w, c, THUMB_SIDE);
    if (k === 0) {
      shape = thumb.shape;
      images = new Float32Array(n * thumb.images.length);
    }
    images.set(thumb.images, k * thumb.images.length);
  });
  return { images, n, shape: n > 0 ? shape : [...itemShape], indices, labels };
}

/** n images [h, w, c] box-filtered by one integer factor so neither side exceeds `side`. */
export function shrink(
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  side: number,
): { images: Float32Array; shape: [number, number, number] } {
  const f = Math.ceil(Math.max(h, w) / side);
  const th = Math.ceil(h / f);
  const tw = Math.ceil(w / f);
  const out = new Float32Array(n * th * tw * c);
  for (let k = 0; k < n; k++) {
    const src = k * h * w * c;
    const dst = k * th * tw * c;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          let count = 0;
          for (let yy = y * f; yy < Math.min(h, (y + 1) * f); yy++) {
            for (let xx = x * f; xx < Math.min(w, (x + 1) * f); xx++) {
              sum += images[src + (yy * w + xx) * c + ch];
              count++;
            }
          }
          out[dst + (y * tw + x) * c + ch] = sum / count;
        }
      }
    }
  }
  return { images: out, shape: [th, tw, c] };
}
