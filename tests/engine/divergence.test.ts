import { describe, expect, it } from 'vitest';
import { DivergenceWatch, PERSIST } from '../../src-main/engine/training/divergence';
import { mulberry32 } from '../../src-main/shared/random';

/** Feeds losses until the watch objects; returns the index of the step that stopped it, or -1. */
function stopsAt(watch: DivergenceWatch, losses: number[]): number {
  return losses.findIndex((loss) => watch.step(loss) !== null);
}

describe('DivergenceWatch', () => {
  it('lets a normal run through: large, noisy early losses that fall', () => {
    const random = mulberry32(1);
    // MNIST-like: 540 nats falling to ~100, ±30 % batch noise, a few 5× outlier batches.
    const losses = Array.from({ length: 2000 }, (_, i) => {
      const level = 100 + 440 * Math.exp(-i / 50);
      const spike = i % 397 === 11 ? 5 : 1;
      return level * spike * (0.7 + 0.6 * random());
    });
    expect(stopsAt(new DivergenceWatch(784), losses)).toBe(-1);
  });

  it('lets a Gaussian-likelihood run through whose loss goes negative', () => {
    const random = mulberry32(2);
    const losses = Array.from({ length: 500 }, (_, i) => 2 * Math.exp(-i / 30) - 0.6 + random());
    expect(stopsAt(new DivergenceWatch(2), losses)).toBe(-1);
  });

  it('stops a loss that jumps orders of magnitude and stays there', () => {
    // As measured at --lr 10 on MNIST: 544, then 1e11, 2.6e8, 5.5e6, …
    const losses = [544, 1.0e11, 2.6e8, 5.5e6, 3.9e5, 2.0e3];
    const watch = new DivergenceWatch(784);
    const at = stopsAt(watch, losses);
    expect(at).toBe(PERSIST);
  });

  it('stops a loss that climbs steadily to 1e12 after a normal start', () => {
    const losses = [
      ...Array.from({ length: 300 }, (_, i) => 150 + 400 * Math.exp(-i / 40)),
      ...Array.from({ length: 100 }, (_, i) => 150 * 10 ** (i / 10)),
    ];
    const at = stopsAt(new DivergenceWatch(784), losses);
    expect(at).toBeGreaterThan(300);
    expect(losses[at]).toBeLessThan(1e12);
  });

  it('never stops on one outlier batch', () => {
    const losses = [...Array(50).fill(100), 1e9, ...Array(50).fill(100), 1e9, 1e9, 100, 100];
    expect(stopsAt(new DivergenceWatch(784), losses)).toBe(-1);
  });

  it('flags a test ELBO below the floor for the data dimension, not a poor one', () => {
    const watch = new DivergenceWatch(784);
    expect(watch.elbo(-4e9)).toMatch(/test ELBO fell to -4.00e\+9 nats, below the floor/);
    expect(watch.elbo(-4100)).toBeNull(); // a poor model, not a blown-up one
    expect(watch.elbo(-90)).toBeNull();
  });
});
