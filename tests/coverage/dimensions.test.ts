import { describe, expect, it } from 'vitest';
import {
  activeUnits,
  diagonalGaussianKl,
  logMeanExp,
} from '../../src-main/engine/coverage/dimensions';

describe('per-dimension KL of a diagonal Gaussian encoder: ½ E[μ² + σ² − log σ² − 1]', () => {
  it('is zero at the prior and ½μ² for a shifted mean', () => {
    const kl = diagonalGaussianKl([0, 1, 0, 3], [0, 0, 0, 0], 2, 2);
    expect(kl[0]).toBe(0);
    expect(kl[1]).toBeCloseTo((0.5 * (1 + 9)) / 2, 14);
  });
  it('penalises a variance away from 1 by ½(σ² − log σ² − 1)', () => {
    const kl = diagonalGaussianKl([0], [Math.log(4)], 1, 1);
    expect(kl[0]).toBeCloseTo(0.5 * (4 - Math.log(4) - 1), 14);
  });
});

describe('active units (Burda et al.): Cov_x(E_q[z_j]) > 0.01', () => {
  it('counts the dimensions whose posterior means vary', () => {
    const means = [0, 0.0, 5, 1, 0.05, 5.001, -1, -0.05, 5.002];
    const units = activeUnits(means, 3, 3);
    expect(units.active).toEqual([true, false, false]);
    expect(units.count).toBe(1);
    expect(units.variance[1]).toBeCloseTo(0.05 ** 2 * (2 / 3), 14);
  });
});

describe('log-mean-exp for the IWAE bound', () => {
  it('is stable at any magnitude', () => {
    expect(logMeanExp([1000, 1000])).toBe(1000);
    expect(logMeanExp([-1e4, -1e4 + Math.log(3)])).toBeCloseTo(-1e4 + Math.log(2), 9);
    expect(logMeanExp([0, Math.log(3)])).toBeCloseTo(Math.log(2), 14);
    expect(logMeanExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(Number.isNaN(logMeanExp([]))).toBe(true);
  });
});
