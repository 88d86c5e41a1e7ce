// Loads the project's shared reference values (../shared/reference/statistics.json, computed
// independently with mpmath/scipy/numpy) and this suite's scipy/mpmath fixtures.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixturesDir = fileURLToPath(new URL('./fixtures', import.meta.url));

export interface ReferenceSample {
  data: number[][];
  mardia: {
    b1: number;
    b2: number;
    skewness_statistic: number;
    skewness_df: number;
    skewness_p: number;
    kurtosis_z: number;
    kurtosis_p: number;
  };
  radius_ks: { statistic: number; p: number };
}

export interface Reference {
  chi_cdf: { d: number; r: number; value: number }[];
  samples: Record<string, ReferenceSample>;
}

export function loadReference(): Reference {
  return JSON.parse(readFileSync(resolve(repoRoot, '../shared/reference/statistics.json'), 'utf8'));
}

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
