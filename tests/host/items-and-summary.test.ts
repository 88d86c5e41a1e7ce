import { describe, expect, it } from 'vitest';
import { AtlasError } from '../../src-main/api/errors';
import { parseResult } from '../../src-main/api/validate';
import { splitViews } from '../../src-main/engine/data/array-dataset';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { openDataset } from '../../src-main/engine/data/registry';
import { Vae } from '../../src-main/engine/model/model';
import { DatasetCache } from '../../src-main/host/inference/dataset-cache';
import {
  shrink,
  summarizeDataset,
  THUMB_SIDE,
} from '../../src-main/host/inference/dataset-summary';
import { datasetItems, latentSnapshot } from '../../src-main/host/inference/latent-snapshot';

/**
 * What the inference host answers `latents`, `items` and `describeDataset` with, in process (the
 * contract suite runs the same requests through both transports).
 */

const toyModel = {
  inputShape: [2],
  latent: { kind: 'gaussian' as const, dim: 2 },
  objective: { kind: 'kl' as const, weight: 1 },
  net: { kind: 'mlp' as const, hidden: [8] },
  likelihood: 'gaussian' as const,
};

function thrown(fn: () => unknown): AtlasError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AtlasError);
    return err as AtlasError;
  }
  throw new Error('expected an error');
}

/** −log N(x; sigmoid(logits), σ²I) for one row, the engine's Gaussian likelihood. */
function gaussianNll(x: ArrayLike<number>, mean: ArrayLike<number>, sigma: number): number {
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += (x[i] - mean[i]) ** 2;
  return sq / (2 * sigma * sigma) + x.length * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
}

/** A split of `count` constant-per-item RGB images of h × w (item k has value k / count). */
function imageSplit(count: number, h: number, w: number): DatasetSplit {
  const size = h * w * 3;
  const data = new Uint8Array(count * size);
  for (let k = 0; k < count; k++)
    for (let p = 0; p < size; p++) data[k * size + p] = p % 3 === 0 ? (k * 20) % 256 : 255;
  const all = Int32Array.from({ length: count }, (_, i) => i);
  return splitViews(
    'big',
    { spec: 'folder:/big', options: {} },
    {
      itemShape: [h, w, 3],
      count,
      data,
      labels: Int32Array.from(all, (i) => i % 2),
      labelNames: ['odd', 'even'],
    },
    { train: all.subarray(0, count - 2), test: all.subarray(count - 2) },
    ['skipped 1 unreadable file: x.png'],
  );
}

describe('latent snapshots', () => {
  it('carry each point’s item index and reconstruction error −log p(x | mean z)', async () => {
    const data = await openDataset('toy:moons', { limit: 120 });
    const vae = Vae.create(toyModel, 3);
    const trainCount = data.train.count;
    const snap = await latentSnapshot(vae, data, trainCount + 5, 'all');
    expect(snap.split).toBe('all');
    expect(snap.n).toBe(trainCount + 5);
    // Train items first, then the test items numbered after them.
    expect(snap.indices).toBeInstanceOf(Int32Array);
    expect(Array.from(snap.indices.subarray(trainCount - 2))).toEqual(
      [-2, -1, 0, 1, 2, 3, 4].map((k) => trainCount + k),
    );
    // The contract accepts it as the `latents` result.
    expect(parseResult('latents', snap).errors).toBe(snap.errors);

    const x = datasetItems(data, snap.indices, 'all');
    expect(x.shape).toEqual([2]);
    expect(x.images.subarray(trainCount * 2)).toEqual(data.test.batch([0, 1, 2, 3, 4]));
    expect(vae.encode(x.images, snap.n)).toEqual(snap.means);
    const decoded = vae.decode(snap.means, snap.n);
    const sigma = vae.config.gaussianSigma;
    for (const p of [0, 17, trainCount, snap.n - 1]) {
      const expected = gaussianNll(
        x.images.subarray(p * 2, p * 2 + 2),
        decoded.subarray(p * 2, p * 2 + 2),
        sigma,
      );
      expect(snap.errors![p]).toBeCloseTo(expected, 2);
    }
    expect(snap.errors!.every(Number.isFinite)).toBe(true);
    vae.dispose();
  });

  it('number the items of the split they were asked for, and can leave errors out', async () => {
    const data = await openDataset('toy:moons', { limit: 120 });
    const vae = Vae.create(toyModel, 3);
    const test = await latentSnapshot(vae, data, 4, 'test', { errors: false });
    expect(test).toMatchObject({ split: 'test', n: 4 });
    expect(Array.from(test.indices)).toEqual([0, 1, 2, 3]);
    expect(test).not.toHaveProperty('errors');
    expect(datasetItems(data, test.indices, 'test').images).toEqual(data.test.batch([0, 1, 2, 3]));
    vae.dispose();
  });
});

describe('dataset items', () => {
  it('refuses indices past the split with its size and the first index at fault', async () => {
    const data = await openDataset('toy:moons', { limit: 120 });
    const { count: trainCount } = data.train;
    const total = trainCount + data.test.count;
    const all = thrown(() => datasetItems(data, Int32Array.from([0, total, total + 1]), 'all'));
    expect(all.code).toBe('invalid-params');
    expect(all.message).toBe(
      `indices[1] = ${total} is out of range: the train and test splits of "toy:moons" have ${total} items (0 to ${total - 1})`,
    );
    const test = thrown(() => datasetItems(data, Int32Array.from([data.test.count]), 'test'));
    expect(test.message).toContain(`the test split of "toy:moons" has ${data.test.count} items`);
    expect(datasetItems(data, Int32Array.from([trainCount - 1]), 'train').images).toEqual(
      data.train.batch([trainCount - 1]),
    );
  });
});

describe('dataset summaries', () => {
  it('give shape, counts, labels, warnings and evenly spread thumbnails', async () => {
    const data = await openDataset('toy:moons', { limit: 120 });
    const summary = summarizeDataset(data, 'toy:moons', { limit: 120 }, 4);
    expect(summary).toMatchObject({
      spec: 'toy:moons',
      itemShape: [2],
      trainCount: data.train.count,
      testCount: data.test.count,
      labelNames: ['upper', 'lower'],
    });
    const step = data.train.count / 4;
    expect(Array.from(summary.preview.indices)).toEqual(
      [0, 1, 2, 3].map((k) => Math.floor(k * step)),
    );
    expect(summary.preview.images).toEqual(data.train.batch(summary.preview.indices));
    expect(summary.preview.labels).toEqual(
      Int32Array.from(summary.preview.indices, (i) => data.train.labels![i]),
    );
    expect(parseResult('describeDataset', { dataset: summary }).dataset.preview.n).toBe(4);
  });

  it('box-filters large images down to thumbnails, one item at a time', () => {
    const data = imageSplit(6, 200, 130);
    const summary = summarizeDataset(data, 'folder:/big', {}, 3);
    const f = Math.ceil(200 / THUMB_SIDE);
    expect(summary.itemShape).toEqual([200, 130, 3]);
    expect(summary.preview.shape).toEqual([Math.ceil(200 / f), Math.ceil(130 / f), 3]);
    expect(summary.preview.images.length).toBe(3 * 50 * 33 * 3);
    // Constant images stay constant: red k·20/255, green and blue white.
    const [r, g] = [summary.preview.images[50 * 33 * 3], summary.preview.images[50 * 33 * 3 + 1]];
    expect(r).toBeCloseTo(20 / 255, 5);
    expect(g).toBeCloseTo(1, 5);
    expect(summary.warnings).toEqual(['skipped 1 unreadable file: x.png']);
    expect(summary.preview.labels).toEqual(Int32Array.from([0, 1, 0]));
    expect(() => parseResult('describeDataset', { dataset: summary })).not.toThrow();
    // No thumbnails asked for: nothing is read.
    expect(summarizeDataset(data, 'folder:/big', {}, 0).preview).toMatchObject({
      n: 0,
      shape: [200, 130, 3],
    });
  });

  it('averages blocks, ragged edges included', () => {
    // One 3×3 grey image shrunk by 2: blocks of 4, 2, 2 and 1 pixels.
    const img = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const out = shrink(img, 1, 3, 3, 1, 2);
    expect(out.shape).toEqual([2, 2, 1]);
    expect(Array.from(out.images)).toEqual([(0 + 1 + 3 + 4) / 4, (2 + 5) / 2, (6 + 7) / 2, 8]);
  });
});

describe('the dataset cache', () => {
  it('opens one dataset once, however its options are written, and takes fresh readings', async () => {
    const cache = new DatasetCache(2);
    const a = cache.get({ spec: 'toy:moons', options: { limit: 50 } });
    const b = cache.get({ spec: ' toy:moons', options: { seed: 0, limit: 50 } });
    expect(b).toBe(a);
    const fresh = await openDataset('toy:moons', { limit: 50 });
    cache.put({ spec: 'toy:moons', options: { limit: 50 } }, fresh);
    expect(await cache.get({ spec: 'toy:moons', options: { limit: 50, seed: 0 } })).toBe(fresh);
    // A failed open is forgotten, so the next request tries again.
    await expect(cache.get({ spec: 'folder:/no/such/folder', options: {} })).rejects.toThrow();
    const again = cache.get({ spec: 'folder:/no/such/folder', options: {} });
    await expect(again).rejects.toThrow();
  });
});
