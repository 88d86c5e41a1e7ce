import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The project's root (two levels above this file). */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface BesselPoint {
  v: number;
  kappa: number;
  value: number;
}

export interface VmfPoint {
  d: number;
  kappa: number;
  mean_resultant_length: number;
  log_normalizer: number;
  kl_to_uniform: number;
  log_sphere_area: number;
}

/** ../shared/reference/statistics.json, computed independently (mpmath at 40 digits). */
export function loadReference(): { log_bessel_i: BesselPoint[]; vmf: VmfPoint[] } {
  return JSON.parse(
    readFileSync(path.resolve(repoRoot, '../shared/reference/statistics.json'), 'utf8'),
  );
}

export function relativeError(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}
