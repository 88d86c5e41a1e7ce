import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEBIAN_FASHION_MNIST,
  FASHION_CLASSES,
  fashionMnistDirs,
  findFashionMnist,
} from '../../src-main/engine/data/fashion-mnist';
import { listDatasets, openDataset } from '../../src-main/engine/data/registry';

const BUNDLED = path.resolve('resources/datasets/fashion-mnist');

describe('fashion-mnist', () => {
  const saved = process.env.LATENT_ATLAS_FASHION_MNIST;
  afterEach(() => {
    if (saved === undefined) delete process.env.LATENT_ATLAS_FASHION_MNIST;
    else process.env.LATENT_ATLAS_FASHION_MNIST = saved;
  });

  it('is listed with its item shape, and names no file of the user', () => {
    const entry = listDatasets().find((d) => d.spec === 'fashion-mnist');
    expect(entry?.itemShape).toEqual([28, 28, 1]);
  });

  it('looks in $LATENT_ATLAS_FASHION_MNIST, then Debian, then the bundled copy', () => {
    const dirs = fashionMnistDirs({ LATENT_ATLAS_FASHION_MNIST: '/data/fmnist' });
    expect(dirs.slice(0, 2)).toEqual(['/data/fmnist', DEBIAN_FASHION_MNIST]);
    expect(dirs).toContain(BUNDLED);
    expect(fashionMnistDirs({})[0]).toBe(DEBIAN_FASHION_MNIST);
  });

  it('opens the bundled copy: 10,000 training items (with a warning) and the 10,000 test items', async () => {
    process.env.LATENT_ATLAS_FASHION_MNIST = BUNDLED;
    const split = await openDataset('fashion-mnist');
    expect(split.train.count).toBe(10_000);
    expect(split.test.count).toBe(10_000);
    expect(split.train.itemShape).toEqual([28, 28, 1]);
    expect(split.train.labelNames).toEqual(FASHION_CLASSES);
    // The published files start with an ankle boot in both splits, then a T-shirt in train.
    expect(Array.from(split.train.labels!.subarray(0, 2))).toEqual([9, 0]);
    expect(split.test.labels![0]).toBe(9);
    expect(split.warnings).toEqual([
      expect.stringContaining(
        "holds 10,000 of the 60,000 training images; install Debian's dataset-fashion-mnist",
      ),
    ]);
    const x = split.train.batch(Int32Array.of(0, 1));
    expect(x.length).toBe(2 * 784);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Math.max(...x)).toBeGreaterThan(0.9);
  });

  it('says where it looked and what to install when no folder holds the files', () => {
    expect(() => findFashionMnist(['/nonexistent/fmnist'])).toThrow(
      'Fashion-MNIST is unavailable: none of /nonexistent/fmnist holds train-images-idx3-ubyte.gz',
    );
    expect(() => findFashionMnist(['/nonexistent/fmnist'])).toThrow(
      "install Debian's dataset-fashion-mnist or set LATENT_ATLAS_FASHION_MNIST",
    );
  });
});
