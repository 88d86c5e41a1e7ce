import { describe, expect, it } from 'vitest';
import { mixSeed, mulberry32, normal, permutation } from '../../src-main/shared/random';

describe('seeded randomness', () => {
  it('mulberry32 repeats from a seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mulberry32(43)()).not.toBe(xs[0]);
  });

  it('mixSeed separates neighbouring inputs', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => mixSeed(7, i)));
    expect(seeds.size).toBe(1000);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(2 ** 32 + 1)).not.toBe(mixSeed(1));
  });

  it('normal draws have mean 0 and variance 1', () => {
    const rng = mulberry32(1);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => normal(rng));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('permutation holds every index once', () => {
    const p = permutation(100, mulberry32(3));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
