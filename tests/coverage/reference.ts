// This suite's scipy/mpmath fixtures; the project's reference values come from tests/fixtures/reference.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('./fixtures', import.meta.url));

export { loadReference } from '../fixtures/reference';

export interface Fixtures {
  kstwo: { n: number; x: number; sf: number; cdf: number; smirnov: number }[];
  cramer_wold_phi: { d: number; s: number; value: number }[];
  sphere_marginal: { d: number; t: number; cdf: number }[];
}

export function loadFixtures(): Fixtures {
  return JSON.parse(readFileSync(resolve(fixturesDir, 'scipy-reference.json'), 'utf8'));
}

/** |actual − expected| ≤ rtol·|expected| or ≤ atol. */
export function close(actual: number, expected: number, rtol: number, atol = 0): boolean {
  return Math.abs(actual - expected) <= Math.max(rtol * Math.abs(expected), atol);
}

/** A sample as a row-major Float64Array with its shape. */
export function matrix(rows: number[][]): { z: Float64Array; n: number; d: number } {
  return { z: Float64Array.from(rows.flat()), n: rows.length, d: rows[0].length };
}
