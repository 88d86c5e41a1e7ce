import { mulberry32, randomInt } from '../../src-main/shared/random';

/**
 * Seeded pseudo-random numbers for everything the page draws at random (prior grids, tours,
 * variations), so a grid can be re-rolled and reproduced from its seed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/**
 * The engine's mulberry32 (a small, fast 32-bit generator with good statistical quality for this
 * use; seed 0 stands for 0x9e3779b9), with Box–Muller normals that keep their second draw.
 */
export function createRng(seed: number): Rng {
  const uniform = mulberry32(seed >>> 0 || 0x9e3779b9);
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // Box–Muller; 1 - u keeps the logarithm finite.
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal, int: (n) => randomInt(uniform, n) };
}

/** A vector of d standard normal draws. */
export function normalVector(rng: Rng, d: number): Float64Array {
  const v = new Float64Array(d);
  for (let i = 0; i < d; i++) v[i] = rng.normal();
  return v;
}

/** A uniform draw from the unit sphere S^{d-1} (a normalised Gaussian vector). */
export function uniformOnSphere(rng: Rng, d: number): Float64Array {
  for (;;) {
    const v = normalVector(rng, d);
    let s = 0;
    for (let i = 0; i < d; i++) s += v[i] * v[i];
    if (s > 1e-20) {
      const inv = 1 / Math.sqrt(s);
      for (let i = 0; i < d; i++) v[i] *= inv;
      return v;
    }
  }
}
