import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset, DatasetSplit } from '../../src-main/engine/data/dataset';
import { openDataset } from '../../src-main/engine/data/registry';
import { sameBytes } from './fixtures';
import {
  SHAPE_FACTORS,
  SHAPE_MAX_RADIUS,
  SHAPE_NAMES,
  SHAPES_TEST_COUNT,
  SHAPES_TRAIN_COUNT,
} from '../../src-main/engine/data/shapes';

const [SQUARE, ELLIPSE] = [0, 1];

/** Image moments of item i: mass, centroid and second central moments (y pointing up). */
function moments(dataset: Dataset, i: number) {
  const size = dataset.itemShape[0];
  const image = dataset.batch([i]);
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = image[y * size + x];
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  const cx = sx / mass;
  const cy = sy / mass;
  let uu = 0;
  let vv = 0;
  let uv = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = image[y * size + x];
      const du = x + 0.5 - cx;
      const dv = -(y + 0.5 - cy);
      uu += v * du * du;
      vv += v * dv * dv;
      uv += v * du * dv;
    }
  }
  return { mass, cx, cy, uu, vv, uv };
}

function factor(dataset: Dataset, i: number, name: string): number {
  return dataset.factors!.values[i * SHAPE_FACTORS.length + SHAPE_FACTORS.indexOf(name)];
}

describe('shapes (dSprites-style)', () => {
  let shapes: DatasetSplit;
  beforeAll(async () => {
    shapes = await openDataset('shapes', { seed: 3 });
  });

  it('draws 20,000 + 3,000 gray 32×32 images with values in [0, 1]', () => {
    expect(shapes.train.count).toBe(SHAPES_TRAIN_COUNT);
    expect(shapes.test.count).toBe(SHAPES_TEST_COUNT);
    expect(shapes.train.itemShape).toEqual([32, 32, 1]);
    const batch = shapes.train.batch(Array.from({ length: 500 }, (_, i) => i));
    expect(batch.length).toBe(500 * 32 * 32);
    expect(batch.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(batch.some((v) => v === 1)).toBe(true);
    expect(batch.some((v) => v > 0 && v < 1)).toBe(true); // anti-aliased edges
  });

  it('carries shape, scale, rotation, x, y for every item, within their ranges', () => {
    const { names, values } = shapes.train.factors!;
    expect(names).toEqual(['shape', 'scale', 'rotation', 'x', 'y']);
    expect(values.length).toBe(SHAPES_TRAIN_COUNT * names.length);
    expect(shapes.train.labelNames).toEqual(['square', 'ellipse', 'heart']);
    const seen = new Set<number>();
    const outOfRange: string[] = [];
    const within = (i: number, name: string, lo: number, hi: number) => {
      const v = factor(shapes.train, i, name);
      if (!(v >= lo && v <= hi)) outOfRange.push(`item ${i}: ${name} = ${v}`);
    };
    for (let i = 0; i < shapes.train.count; i++) {
      const shape = factor(shapes.train, i, 'shape');
      if (shapes.train.labels![i] !== shape) outOfRange.push(`item ${i}: label ≠ shape`);
      seen.add(shape);
      within(i, 'scale', 0.5, 1);
      within(i, 'rotation', 0, 2 * Math.PI);
      within(i, 'x', 0, 1);
      within(i, 'y', 0, 1);
    }
    expect(outOfRange).toEqual([]);
    expect(seen.size).toBe(SHAPE_NAMES.length);
  });

  it('draws what the factors say: centroid at (x, y), area ∝ scale², ellipse along rotation', async () => {
    const big = await openDataset('shapes', { size: 64, limit: 300, seed: 3 });
    const set = big.train;
    const size = 64;
    const maxRadius = SHAPE_MAX_RADIUS * size;
    let checkedEllipses = 0;
    for (let i = 0; i < set.count; i++) {
      const shape = factor(set, i, 'shape');
      if (shape === 2) continue; // the heart's centroid is not its bounding circle's centre
      const r = factor(set, i, 'scale') * maxRadius;
      const m = moments(set, i);
      expect(m.cx).toBeCloseTo(maxRadius + factor(set, i, 'x') * (size - 2 * maxRadius), 0);
      expect(m.cy).toBeCloseTo(maxRadius + factor(set, i, 'y') * (size - 2 * maxRadius), 0);
      // Square of half-diagonal r: area 2r²; ellipse of semi-axes r and r/2: area πr²/2.
      const area = shape === SQUARE ? 2 * r * r : (Math.PI * r * r) / 2;
      expect(Math.abs(m.mass - area) / area).toBeLessThan(0.05);
      if (shape === ELLIPSE) {
        // Major-axis angle from the second moments, compared modulo π.
        const axis = 0.5 * Math.atan2(2 * m.uv, m.uu - m.vv);
        const rotation = factor(set, i, 'rotation');
        const diff = Math.abs(((axis - rotation) % Math.PI) + Math.PI) % Math.PI;
        expect(Math.min(diff, Math.PI - diff)).toBeLessThan(0.05);
        checkedEllipses++;
      }
    }
    expect(checkedEllipses).toBeGreaterThan(50);
  });

  it('is a function of the seed: same seed, same bytes; other seed, other images', async () => {
    const again = await openDataset('shapes', { seed: 3, limit: 200 });
    const other = await openDataset('shapes', { seed: 4, limit: 200 });
    const first = Array.from({ length: 200 }, (_, i) => i);
    expect(sameBytes(again.train.batch(first), shapes.train.batch(first))).toBe(true);
    expect(
      sameBytes(again.train.factors!.values, shapes.train.factors!.values.subarray(0, 1000)),
    ).toBe(true);
    expect(sameBytes(other.train.batch(first), shapes.train.batch(first))).toBe(false);
  });

  it('--limit caps train and shrinks test in proportion; splits differ', async () => {
    const small = await openDataset('shapes', { seed: 3, limit: 200 });
    expect([small.train.count, small.test.count]).toEqual([200, 30]);
    expect(small.test.batch([0])).toEqual(shapes.test.batch([0]));
    const trainFactors = new Set<string>();
    for (let i = 0; i < small.train.count; i++) {
      trainFactors.add(small.train.factors!.values.subarray(i * 5, i * 5 + 5).join());
    }
    for (let i = 0; i < small.test.count; i++) {
      expect(trainFactors.has(small.test.factors!.values.subarray(i * 5, i * 5 + 5).join())).toBe(
        false,
      );
    }
  });

  it('draws at 64 px and refuses other sizes', async () => {
    const big = await openDataset('shapes', { size: 64, limit: 10 });
    expect(big.train.itemShape).toEqual([64, 64, 1]);
    expect(big.train.descriptor.options).toEqual({ size: 64, seed: 0, limit: 10 });
    await expect(openDataset('shapes', { size: 48 })).rejects.toThrow(
      'shapes are drawn at size 32 or 64, got 48',
    );
  });
});
