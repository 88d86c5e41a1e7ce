import { describe, expect, it } from 'vitest';
import { openDataset } from '../../src-main/engine/data/registry';
import { TOY_NAMES, TOY_TEST_COUNT, TOY_TRAIN_COUNT } from '../../src-main/engine/data/toy';
import { allItems, sameBytes } from './fixtures';

describe('toy point sets', () => {
  it('offers the classic sets', () => {
    expect(TOY_NAMES).toEqual(
      expect.arrayContaining(['moons', 'spiral', 'rings', 'blobs', 'swissroll', 'swissroll3d']),
    );
  });

  for (const name of TOY_NAMES) {
    it(`toy:${name} lies in [0, 1]^d, barely clamped, with consistent labels and factors`, async () => {
      const { train, test } = await openDataset(`toy:${name}`, { seed: 1 });
      expect([train.count, test.count]).toEqual([TOY_TRAIN_COUNT, TOY_TEST_COUNT]);
      const d = name === 'swissroll3d' ? 3 : 2;
      expect(train.itemShape).toEqual([d]);
      const points = allItems(train);
      expect(points.length).toBe(TOY_TRAIN_COUNT * d);
      expect(points.every((v) => v >= 0 && v <= 1)).toBe(true);
      // The fixed scale leaves four noise deviations of margin: clamping is rare.
      const clamped = points.filter((v) => v === 0 || v === 1).length;
      expect(clamped / points.length).toBeLessThan(0.001);
      // The set fills a good part of the unit square rather than a corner of it.
      for (let j = 0; j < d; j++) {
        const axis = points.filter((_, k) => k % d === j);
        expect(Math.max(...axis) - Math.min(...axis)).toBeGreaterThan(0.4);
      }
      if (train.labels) {
        expect(train.labels.length).toBe(train.count);
        const classes = new Set(train.labels);
        expect(classes.size).toBe(train.labelNames!.length);
        expect(Math.min(...classes)).toBe(0);
      }
      if (train.factors) {
        expect(train.factors.values.length).toBe(train.count * train.factors.names.length);
        expect(train.factors.values.every((v) => v >= 0 && v <= 1)).toBe(true);
      }
    });
  }

  it('rings: ring k has radius ∝ k + 1 around the centre', async () => {
    const { train } = await openDataset('toy:rings', { limit: 3000 });
    const points = allItems(train);
    const sums = [0, 0, 0];
    const counts = [0, 0, 0];
    for (let i = 0; i < train.count; i++) {
      const r = Math.hypot(points[2 * i] - 0.5, points[2 * i + 1] - 0.5);
      sums[train.labels![i]] += r;
      counts[train.labels![i]]++;
    }
    const radii = sums.map((s, k) => s / counts[k]);
    expect(radii[1] / radii[0]).toBeCloseTo(2, 1);
    expect(radii[2] / radii[0]).toBeCloseTo(3, 1);
  });

  it('blobs: eight cluster means evenly spaced on a circle', async () => {
    const { train } = await openDataset('toy:blobs', { limit: 4000 });
    const points = allItems(train);
    const means = Array.from({ length: 8 }, () => [0, 0, 0]);
    for (let i = 0; i < train.count; i++) {
      const m = means[train.labels![i]];
      m[0] += points[2 * i];
      m[1] += points[2 * i + 1];
      m[2]++;
    }
    const radii = means.map(([x, y, n]) => Math.hypot(x / n - 0.5, y / n - 0.5));
    for (const r of radii) expect(r).toBeCloseTo(radii[0], 2);
    const angles = means.map(([x, y, n]) => Math.atan2(y / n - 0.5, x / n - 0.5));
    for (let k = 1; k < 8; k++) {
      const step = (angles[k] - angles[k - 1] + 2 * Math.PI) % (2 * Math.PI);
      expect(step).toBeCloseTo((2 * Math.PI) / 8, 1);
    }
  });

  it('is a function of the seed, and --limit keeps a prefix', async () => {
    const a = await openDataset('toy:spiral', { seed: 7 });
    const b = await openDataset('toy:spiral', { seed: 7 });
    const c = await openDataset('toy:spiral', { seed: 8 });
    expect(sameBytes(allItems(a.train), allItems(b.train))).toBe(true);
    expect(sameBytes(a.train.labels!, b.train.labels!)).toBe(true);
    expect(sameBytes(allItems(a.train), allItems(c.train))).toBe(false);
    const small = await openDataset('toy:spiral', { seed: 7, limit: 120 });
    expect([small.train.count, small.test.count]).toEqual([120, 20]);
    expect(sameBytes(allItems(small.train), allItems(a.train).subarray(0, 240))).toBe(true);
  });

  it('draws test points apart from train points', async () => {
    const { train, test } = await openDataset('toy:moons', { limit: 600 });
    const seen = new Set<string>();
    const trainPoints = allItems(train);
    for (let i = 0; i < train.count; i++)
      seen.add(`${trainPoints[2 * i]},${trainPoints[2 * i + 1]}`);
    const testPoints = allItems(test);
    for (let i = 0; i < test.count; i++) {
      expect(seen.has(`${testPoints[2 * i]},${testPoints[2 * i + 1]}`)).toBe(false);
    }
  });

  it('names the valid sets when asked for an unknown one', async () => {
    await expect(openDataset('toy:donut')).rejects.toThrow(
      /unknown toy set "donut"; valid: toy:moons, /,
    );
  });
});
