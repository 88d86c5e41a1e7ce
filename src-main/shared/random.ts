/**
 * Small seeded pseudo-random utilities for everything that must be reproducible from a seed
 * (procedural datasets, train/test splits). Not for cryptography, and not a replacement for
 * tf.random* inside models: this is plain JavaScript on numbers.
 *
 * Generator: mulberry32 (Tommy Ettinger, public domain), a 32-bit state generator that passes
 * gjrand/PractRand up to moderate sizes, is fast in JS, and is fully determined by one integer.
 */

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/** mulberry32: a uniform generator on [0, 1) from a 32-bit integer seed. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives one 32-bit seed from several integers (a seed, a stream tag, an item index, …) so that
 * nearby inputs give unrelated streams. Mixing with the murmur3 finaliser is why `mixSeed(s, i)`
 * and `mixSeed(s, i + 1)` do not produce correlated mulberry32 sequences.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Fold in both 32-bit halves so seeds above 2^32 still matter.
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    h = fmix32(h ^ lo);
    h = fmix32((h + 0x85ebca6b) ^ hi);
  }
  return h;
}

/** A 32-bit seed for a sub-stream of tfjs random ops; never 0, which tfjs reads as "unseeded". */
export function subSeed(seed: number, ...tags: number[]): number {
  return mixSeed(seed, ...tags) || 1;
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A standard normal draw by the Box-Muller transform. It consumes two uniforms and discards the
 * second normal: simpler than carrying state, and cheap enough for data generation.
 */
export function normal(rng: Rng): number {
  // 1 - u lies in (0, 1], so the log is finite.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** A uniform draw from [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Shuffles in place by Fisher-Yates; returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(
  array: T,
  rng: Rng,
): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** A random permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, rng);
}
