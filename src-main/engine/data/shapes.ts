import { mixSeed, mulberry32, randomInt, uniform } from '../../shared/random';
import { splitViews } from './array-dataset';
import type { ItemStore } from './array-dataset';
import type { DatasetDescriptor, DatasetSplit } from './dataset';
import type { DatasetSource, OpenRequest } from './source';
import { allRows, limitedSizes } from './split';

/**
 * dSprites-style shapes (Matthey et al. 2017, the dataset of β-VAE disentanglement studies): a
 * white square, ellipse or heart on black, at a known scale, rotation and position. Every item
 * carries its generative factors, so a latent space can be checked against the truth (which
 * latent moves with x? does one latent alone rotate the shape?).
 *
 * Unlike dSprites' fixed grid (6 scales × 40 rotations × 32 × 32 positions) the factors are drawn
 * uniformly from continuous ranges; item i is generated from (seed, split, i) alone, so `--limit`
 * keeps a prefix of the full set and two runs with one seed see identical bytes.
 *
 * Factors, in order: shape (0 square, 1 ellipse, 2 heart), scale in [0.5, 1], rotation in
 * radians [0, 2π), x and y in [0, 1] (left→right, top→bottom). As in dSprites, the square repeats
 * every π/2 and the ellipse every π, so the rotation factor is only identifiable modulo those.
 */
export const SHAPE_NAMES = ['square', 'ellipse', 'heart'];
export const SHAPE_FACTORS = ['shape', 'scale', 'rotation', 'x', 'y'];
export const SHAPES_TRAIN_COUNT = 20_000;
export const SHAPES_TEST_COUNT = 3_000;
/** 32 by default (cheap on a CPU, matches folder datasets); 64 is dSprites' resolution. */
export const SHAPES_DEFAULT_SIZE = 32;
const SIZES = [32, 64];

/** A shape at scale 1 fits in a circle of this radius, as a fraction of the image side. */
export const SHAPE_MAX_RADIUS = 0.2;
/** Samples per pixel side for anti-aliasing (3 × 3 = 9 samples per edge pixel). */
const SUPERSAMPLE = 3;
const TRAIN_STREAM = 1;
const TEST_STREAM = 2;
const SHAPES_STREAM = 0x5a9e;

export const shapesSource: DatasetSource = {
  scheme: 'shapes',
  argument: 'none',
  entries: [
    {
      spec: 'shapes',
      description:
        'dSprites-style square/ellipse/heart with known scale, rotation, x, y; 32 or 64 px gray',
      itemShape: [SHAPES_DEFAULT_SIZE, SHAPES_DEFAULT_SIZE, 1],
      sized: true,
    },
  ],
  paths: () => [],
  open: openShapes,
};

async function openShapes({ spec, options }: OpenRequest): Promise<DatasetSplit> {
  const size = options.size ?? SHAPES_DEFAULT_SIZE;
  if (!SIZES.includes(size)) {
    throw new Error(`shapes are drawn at size 32 or 64, got ${size}`);
  }
  const seed = options.seed ?? 0;
  const counts = limitedSizes(SHAPES_TRAIN_COUNT, SHAPES_TEST_COUNT, options.limit);
  const descriptor: DatasetDescriptor = { spec, options: { ...options, size, seed } };
  const train = renderShapes(counts.train, size, mixSeed(seed, SHAPES_STREAM, TRAIN_STREAM));
  const test = renderShapes(counts.test, size, mixSeed(seed, SHAPES_STREAM, TEST_STREAM));
  const rows = { train: allRows(train.count), test: allRows(test.count) };
  return splitViews('shapes', descriptor, train, rows, [], test);
}

/** Draws `count` shapes of `size`×`size`; item i depends only on (streamSeed, i). */
export function renderShapes(count: number, size: number, streamSeed: number): ItemStore {
  const pixels = size * size;
  const data = new Uint8Array(count * pixels);
  const labels = new Int32Array(count);
  const values = new Float32Array(count * SHAPE_FACTORS.length);
  const maxRadius = SHAPE_MAX_RADIUS * size;
  for (let i = 0; i < count; i++) {
    const rng = mulberry32(mixSeed(streamSeed, i));
    const shape = randomInt(rng, SHAPE_NAMES.length);
    const scale = uniform(rng, 0.5, 1);
    const rotation = uniform(rng, 0, 2 * Math.PI);
    const x = rng();
    const y = rng();
    labels[i] = shape;
    values.set([shape, scale, rotation, x, y], i * SHAPE_FACTORS.length);
    // The centre keeps the largest shape inside the frame wherever x, y fall.
    const cx = maxRadius + x * (size - 2 * maxRadius);
    const cy = maxRadius + y * (size - 2 * maxRadius);
    rasterise(data.subarray(i * pixels, (i + 1) * pixels), size, INSIDE[shape], {
      cx,
      cy,
      radius: scale * maxRadius,
      rotation,
    });
  }
  return {
    itemShape: [size, size, 1],
    count,
    data,
    labels,
    labelNames: [...SHAPE_NAMES],
    factors: { names: [...SHAPE_FACTORS], values },
  };
}

/** Whether a point in shape coordinates (unit bounding radius, v pointing up) is inside. */
type Inside = (u: number, v: number) => boolean;

const HALF_SIDE = Math.SQRT1_2; // corners on the unit circle
/**
 * The heart curve (x²+y²−1)³ = x²y³ spans x ∈ [±1.139], y ∈ [−1, 1.236]; its smallest enclosing
 * circle has centre (0, 0.25) and radius 1.25 (through the tip and both lobes), mapped to the unit
 * circle.
 */
const HEART_SCALE = 1.25;
const HEART_SHIFT = 0.25;

const INSIDE: Inside[] = [
  (u, v) => Math.abs(u) <= HALF_SIDE && Math.abs(v) <= HALF_SIDE,
  (u, v) => u * u + 4 * v * v <= 1, // semi-axes 1 and 1/2: elongated so rotation shows
  (u, v) => {
    const x = u * HEART_SCALE;
    const y = v * HEART_SCALE + HEART_SHIFT;
    const r = x * x + y * y - 1;
    return r * r * r - x * x * y * y * y <= 0;
  },
];

interface Placement {
  cx: number;
  cy: number;
  radius: number;
  rotation: number;
}

/**
 * Direct rasterisation: each pixel of the shape's bounding box is sampled on a 3×3 grid mapped back
 * through the inverse rotation into shape coordinates; the covered fraction is the intensity.
 * Pixels well inside the bounding circle's interior are not special-cased: the box is small.
 */
function rasterise(out: Uint8Array, size: number, inside: Inside, place: Placement): void {
  const { cx, cy, radius, rotation } = place;
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const inv = 1 / radius;
  const x0 = Math.max(0, Math.floor(cx - radius));
  const x1 = Math.min(size - 1, Math.ceil(cx + radius));
  const y0 = Math.max(0, Math.floor(cy - radius));
  const y1 = Math.min(size - 1, Math.ceil(cy + radius));
  const step = 1 / SUPERSAMPLE;
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let hits = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        // Image y grows downwards; shape v grows upwards (the heart points down).
        const dy = -(py + (sy + 0.5) * step - cy) * inv;
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const dx = (px + (sx + 0.5) * step - cx) * inv;
          // Rotate the sample by −rotation: the shape is rotated by +rotation (counter-clockwise).
          if (inside(cos * dx + sin * dy, -sin * dx + cos * dy)) hits++;
        }
      }
      if (hits > 0) out[py * size + px] = Math.round((255 * hits) / samples);
    }
  }
}
