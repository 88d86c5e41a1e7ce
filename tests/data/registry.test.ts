import { describe, expect, it } from 'vitest';
import { listDatasets, openDataset, parseDatasetSpec } from '../../src-main/engine/data/registry';

describe('dataset registry', () => {
  it('lists every built-in with a description', () => {
    const specs = listDatasets().map((d) => d.spec);
    expect(specs).toEqual(
      expect.arrayContaining([
        'mnist',
        'fashion-mnist',
        'idx:IMAGES[,LABELS]',
        'folder:DIR',
        'shapes',
        'toy:moons',
      ]),
    );
    for (const { description } of listDatasets()) expect(description.length).toBeGreaterThan(10);
  });

  it('opens every listed built-in that needs no path', async () => {
    for (const { spec } of listDatasets().filter((d) => !/[A-Z]/.test(d.spec))) {
      const split = await openDataset(spec, { limit: 7 });
      expect(split.train.count, spec).toBe(7);
      expect(split.test.count, spec).toBeGreaterThanOrEqual(1);
      expect(split.train.descriptor.spec).toBe(spec);
    }
  });

  it('rejects an unknown spec, listing the valid ones', async () => {
    await expect(openDataset('cifar10')).rejects.toThrow(
      'unknown dataset "cifar10"; valid datasets: mnist, fashion-mnist, idx:IMAGES[,LABELS], folder:DIR, shapes, toy:moons',
    );
  });

  it('reads the scheme case-insensitively and keeps the argument verbatim', () => {
    expect(parseDatasetSpec(' TOY:moons ').normalized).toBe('toy:moons');
    const windows = parseDatasetSpec('folder:C:\\Users\\me\\icons');
    expect(windows.source.scheme).toBe('folder');
    expect(windows.argument).toBe('C:\\Users\\me\\icons');
  });

  it('explains missing and unexpected arguments', () => {
    expect(() => parseDatasetSpec('folder')).toThrow(
      'dataset "folder" needs an argument: folder:DIR',
    );
    expect(() => parseDatasetSpec('toy:')).toThrow('needs an argument: toy:moons');
    expect(() => parseDatasetSpec('mnist:fashion')).toThrow('dataset "mnist" takes no argument');
  });

  it('validates the shared options', async () => {
    await expect(openDataset('toy:moons', { limit: 0 })).rejects.toThrow(
      'limit must be a positive integer',
    );
    await expect(openDataset('toy:moons', { limit: 2.5 })).rejects.toThrow(
      'limit must be a positive integer',
    );
    await expect(openDataset('toy:moons', { seed: -1 })).rejects.toThrow(
      'seed must be a non-negative integer',
    );
    await expect(openDataset('shapes', { size: 2 })).rejects.toThrow(
      'image size must be an integer from 4',
    );
    await expect(openDataset('folder:/tmp', { channels: 2 as 1 })).rejects.toThrow(
      'channels must be 1 (grayscale) or 3 (RGB), got 2',
    );
  });
});
