// Calibration under the null: on samples drawn from the prior, each test rejects at α = 0.05 in
// between 2% and 8% of 500 repetitions (a binomial 95% band around 5% is about ±2%). Small n per
// repetition keeps this fast.
import { describe, expect, it } from 'vitest';
import { createKernelContext } from '../../src-main/engine/coverage/kernels/gram-kernels';
import type { Latents } from '../../src-main/engine/coverage/latents';
import { mardia } from '../../src-main/engine/coverage/mardia';
import { mmd } from '../../src-main/engine/coverage/mmd';
import { meanAndCovariance } from '../../src-main/engine/coverage/moments';
import { pairValues, pairwiseKs } from '../../src-main/engine/coverage/pairwise';
import { radii, radiusKs } from '../../src-main/engine/coverage/radius';
import { Random } from '../../src-main/engine/coverage/random';
import {
  binghamTest,
  projectionKs,
  rayleighTest,
} from '../../src-main/engine/coverage/sphere-uniformity';

const REPETITIONS = 500;
const ALPHA = 0.05;
const context = createKernelContext();

function rejectionRates(tests: Record<string, (random: Random) => number>): Record<string, number> {
  const rejections: Record<string, number> = Object.fromEntries(
    Object.keys(tests).map((k) => [k, 0]),
  );
  for (let r = 0; r < REPETITIONS; r++) {
    for (const [name, test] of Object.entries(tests)) {
      if (test(new Random(1000 * r + name.length)) < ALPHA) rejections[name]++;
    }
  }
  return Object.fromEntries(Object.entries(rejections).map(([k, v]) => [k, v / REPETITIONS]));
}

const gaussian = (random: Random, n: number, d: number): Latents => ({
  data: random.normalMatrix(n, d),
  n,
  d,
});
const uniformSphere = (random: Random, n: number, d: number): Latents => ({
  data: random.unitVectors(n, d),
  n,
  d,
});

describe('on samples from N(0, I) each test rejects 2%–8% of the time at α = 0.05', () => {
  const n = 300;
  const d = 3;
  const rates = rejectionRates({
    'Mardia skewness': (random) => {
      const x = gaussian(random, n, d);
      return mardia(x, meanAndCovariance(x, context), context).skewness!.p;
    },
    'Mardia kurtosis': (random) => {
      const x = gaussian(random, n, d);
      return mardia(x, meanAndCovariance(x, context), context).kurtosis!.p;
    },
    'radius KS': (random) => radiusKs(radii(gaussian(random, n, d)), d).p,
    'pairwise KS': (random) =>
      pairwiseKs(pairValues(gaussian(random, n, d), 'gaussian', random), d, 'gaussian').p,
  });
  it.each(Object.entries(rates))('%s: %f', (_, rate) => {
    expect(rate).toBeGreaterThanOrEqual(0.02);
    expect(rate).toBeLessThanOrEqual(0.08);
  });
});

describe('the MMD permutation test is calibrated', () => {
  const rates = rejectionRates({
    MMD: (random) =>
      mmd(context, gaussian(random, 60, 2), gaussian(random, 60, 2), 1, 99, random).p,
  });
  it.each(Object.entries(rates))('%s: %f', (_, rate) => {
    expect(rate).toBeGreaterThanOrEqual(0.02);
    expect(rate).toBeLessThanOrEqual(0.08);
  });
});

describe('on uniform samples from S^{d−1} the uniformity tests are calibrated', () => {
  const n = 200;
  const tests: Record<string, (random: Random) => number> = {};
  for (const d of [3, 6]) {
    tests[`Rayleigh d=${d}`] = (random) => {
      const x = uniformSphere(random, n, d);
      return rayleighTest(meanAndCovariance(x, context).mean, n).p;
    };
    tests[`Bingham d=${d}`] = (random) =>
      binghamTest(meanAndCovariance(uniformSphere(random, n, d), context), n).p;
    tests[`projections KS d=${d}`] = (random) =>
      projectionKs(uniformSphere(random, n, d), d, random).p;
    tests[`pairwise inner products d=${d}`] = (random) =>
      pairwiseKs(pairValues(uniformSphere(random, n, d), 'sphere', random), d, 'sphere').p;
  }
  const rates = rejectionRates(tests);
  it.each(Object.entries(rates))('%s: %f', (_, rate) => {
    expect(rate).toBeGreaterThanOrEqual(0.02);
    expect(rate).toBeLessThanOrEqual(0.08);
  });
});
