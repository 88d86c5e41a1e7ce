import type { Rng } from '../../shared/random';
import { mixSeed, mulberry32, normal, randomInt } from '../../shared/random';
import { splitViews } from './array-dataset';
import type { ItemStore } from './array-dataset';
import type { DatasetSplit } from './dataset';
import type { DatasetSource, DatasetInfo, OpenRequest } from './source';
import { allRows, limitedSizes } from './split';

/**
 * Low-dimensional point sets for seeing a latent space at a glance: the classic shapes of
 * clustering, manifold learning and generative-model papers. Items are [2] (or [3] for the 3D
 * swiss roll). Each set maps a fixed region of its own coordinates into [0, 1]^d with one scale
 * for all axes (moons still look like moons), chosen from the set's known extent plus four noise
 * standard deviations; the rare point beyond is clamped. The scale is fixed rather than fitted
 * to the sample so train, test and limited sets share it.
 */
interface ToySet {
  description: string;
  dim: number;
  /** Raw coordinates within centre ± extent (all axes) land in [0, 1]. */
  centre: number[];
  extent: number;
  labelNames?: string[];
  factorNames?: string[];
  /** One point; `label` and `factors` (in [0, 1]) when the set has them. */
  sample(rng: Rng): { point: number[]; label?: number; factors?: number[] };
}

export const TOY_TRAIN_COUNT = 12_000;
export const TOY_TEST_COUNT = 2_000;
const TOY_STREAM = 0x70f;

const MOON_NOISE = 0.08;
const SPIRAL_NOISE = 0.03;
const RING_NOISE = 0.03;
const BLOB_STD = 0.1;
const ROLL_NOISE = 0.2;
const ROLL_T_MIN = 1.5 * Math.PI;
const ROLL_T_MAX = 4.5 * Math.PI;
const ROLL_HEIGHT = 21;

/** Arm k as a name: 'arm 1', 'arm 2', … */
const numbered = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, k) => `${prefix} ${k + 1}`);

/** The coordinates, each plus its own N(0, σ²) noise (drawn in order). */
const withNoise = (rng: Rng, sigma: number, ...coordinates: number[]): number[] =>
  coordinates.map((c) => c + sigma * normal(rng));

/** The point at `angle` on the circle of `radius` about the origin. */
const onCircle = (radius: number, angle: number): [number, number] => [
  radius * Math.cos(angle),
  radius * Math.sin(angle),
];

/** Position t along the swiss roll for u ∈ [0, 1). */
const rollPosition = (u: number) => ROLL_T_MIN + (ROLL_T_MAX - ROLL_T_MIN) * u;

const TOY_SETS: Record<string, ToySet> = {
  moons: {
    // sklearn's make_moons: two interleaving half circles.
    description: 'two interleaving half circles, 2 classes',
    dim: 2,
    centre: [0.5, 0.25],
    extent: 1.5 + 4 * MOON_NOISE,
    labelNames: ['upper', 'lower'],
    sample(rng) {
      const label = randomInt(rng, 2);
      const t = Math.PI * rng();
      const [x, y] =
        label === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
      return { point: withNoise(rng, MOON_NOISE, x, y), label };
    },
  },
  spiral: {
    description: 'two interleaved spiral arms, 2 classes',
    dim: 2,
    centre: [0, 0],
    extent: 1 + 4 * SPIRAL_NOISE,
    labelNames: numbered('arm', 2),
    sample(rng) {
      const label = randomInt(rng, 2);
      // sqrt spreads points evenly along the arm (arc length grows like t²).
      const t = Math.sqrt(rng());
      const angle = 3 * Math.PI * t + label * Math.PI;
      return { point: withNoise(rng, SPIRAL_NOISE, ...onCircle(t, angle)), label };
    },
  },
  rings: {
    description: 'three concentric circles, 3 classes',
    dim: 2,
    centre: [0, 0],
    extent: 1 + 4 * RING_NOISE,
    labelNames: numbered('ring', 3),
    sample(rng) {
      const label = randomInt(rng, 3);
      const radius = (label + 1) / 3;
      const angle = 2 * Math.PI * rng();
      return { point: withNoise(rng, RING_NOISE, ...onCircle(radius, angle)), label };
    },
  },
  blobs: {
    // The "8 Gaussians" of the GAN mode-collapse literature.
    description: 'eight Gaussian blobs on a circle, 8 classes',
    dim: 2,
    centre: [0, 0],
    extent: 1 + 4 * BLOB_STD,
    labelNames: numbered('blob', 8),
    sample(rng) {
      const label = randomInt(rng, 8);
      const angle = (2 * Math.PI * label) / 8;
      return { point: withNoise(rng, BLOB_STD, ...onCircle(1, angle)), label };
    },
  },
  swissroll: {
    // sklearn's make_swiss_roll seen from above; t (position along the roll) is the factor.
    description: 'swiss roll in 2D; factor t along the roll',
    dim: 2,
    centre: [0, 0],
    extent: ROLL_T_MAX + 4 * ROLL_NOISE,
    factorNames: ['t'],
    sample(rng) {
      const u = rng();
      const t = rollPosition(u);
      return { point: withNoise(rng, ROLL_NOISE, ...onCircle(t, t)), factors: [u] };
    },
  },
  swissroll3d: {
    description: 'swiss roll in 3D; factors t along the roll and height',
    dim: 3,
    centre: [0, ROLL_HEIGHT / 2, 0],
    extent: ROLL_T_MAX + 4 * ROLL_NOISE,
    factorNames: ['t', 'height'],
    sample(rng) {
      const u = rng();
      const h = rng();
      const t = rollPosition(u);
      return {
        point: withNoise(rng, ROLL_NOISE, t * Math.cos(t), ROLL_HEIGHT * h, t * Math.sin(t)),
        factors: [u, h],
      };
    },
  },
  pinwheel: {
    // Johnson et al. 2016 (SVAE): Gaussian arms bent by a radius-dependent twist.
    description: 'pinwheel of five curved arms, 5 classes',
    dim: 2,
    centre: [0, 0],
    extent: 1 + 4 * 0.3,
    labelNames: numbered('arm', 5),
    sample(rng) {
      const label = randomInt(rng, 5);
      const radial = 1 + 0.3 * normal(rng);
      const tangential = 0.05 * normal(rng);
      const angle = (2 * Math.PI * label) / 5 + 0.25 * Math.exp(radial);
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      return { point: [cos * radial - sin * tangential, sin * radial + cos * tangential], label };
    },
  },
  checkerboard: {
    // The FFJORD/flow-matching benchmark: uniform on the dark squares of a 4×4 board.
    description: 'uniform on the dark squares of a 4×4 checkerboard',
    dim: 2,
    centre: [0, 0],
    extent: 2,
    sample(rng) {
      const x = 4 * rng() - 2;
      const y = rng() - 2 * randomInt(rng, 2) + (Math.floor(x) & 1);
      return { point: [x, y] };
    },
  },
};

export const TOY_NAMES = Object.keys(TOY_SETS);

export const toySource: DatasetSource = {
  scheme: 'toy',
  argument: 'required',
  entries: TOY_NAMES.map((name): DatasetInfo => ({
    spec: `toy:${name}`,
    description: `${TOY_SETS[name].description} (${TOY_SETS[name].dim}D points)`,
    itemShape: [TOY_SETS[name].dim],
  })),
  paths: () => [],
  open: openToy,
};

async function openToy({ spec, argument, options }: OpenRequest): Promise<DatasetSplit> {
  const name = argument.toLowerCase();
  const set = Object.hasOwn(TOY_SETS, name) ? TOY_SETS[name] : undefined;
  if (!set) {
    throw new Error(
      `unknown toy set "${argument}"; valid: ${TOY_NAMES.map((n) => `toy:${n}`).join(', ')}`,
    );
  }
  const seed = options.seed ?? 0;
  const counts = limitedSizes(TOY_TRAIN_COUNT, TOY_TEST_COUNT, options.limit);
  const stream = mixSeed(seed, TOY_STREAM, TOY_NAMES.indexOf(name));
  const train = sampleToy(set, counts.train, mixSeed(stream, 1));
  const test = sampleToy(set, counts.test, mixSeed(stream, 2));
  const rows = { train: allRows(train.count), test: allRows(test.count) };
  return splitViews(`toy:${name}`, { spec, options: { ...options, seed } }, train, rows, [], test);
}

/** `count` points of `set`; point i depends only on (streamSeed, i). */
function sampleToy(set: ToySet, count: number, streamSeed: number): ItemStore {
  const { dim, centre, extent } = set;
  const data = new Float32Array(count * dim);
  const labels = set.labelNames ? new Int32Array(count) : undefined;
  const factorCount = set.factorNames?.length ?? 0;
  const factorValues = new Float32Array(count * factorCount);
  for (let i = 0; i < count; i++) {
    const { point, label, factors } = set.sample(mulberry32(mixSeed(streamSeed, i)));
    for (let j = 0; j < dim; j++) {
      const unit = 0.5 + (point[j] - centre[j]) / (2 * extent);
      data[i * dim + j] = Math.min(1, Math.max(0, unit));
    }
    if (labels && label !== undefined) labels[i] = label;
    if (factors) factorValues.set(factors, i * factorCount);
  }
  const store: ItemStore = { itemShape: [dim], count, data };
  if (labels && set.labelNames) {
    store.labels = labels;
    store.labelNames = [...set.labelNames];
  }
  if (set.factorNames) store.factors = { names: [...set.factorNames], values: factorValues };
  return store;
}
