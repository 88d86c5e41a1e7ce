import { describe, expect, it } from 'vitest';
import { findHoles } from '../../src-main/engine/coverage/holes';
import { createKernelContext } from '../../src-main/engine/coverage/kernels/gram-kernels';
import type { Latents } from '../../src-main/engine/coverage/latents';
import { meanAndCovariance } from '../../src-main/engine/coverage/moments';
import { nearestNeighbourDistances } from '../../src-main/engine/coverage/nearest-neighbour';
import { Random } from '../../src-main/engine/coverage/random';
import { coverageReport } from '../../src-main/engine/coverage/report';
import {
  binghamTest,
  projectionKs,
  rayleighTest,
} from '../../src-main/engine/coverage/sphere-uniformity';

const context = createKernelContext();

describe('nearest neighbours', () => {
  it('brute-force distances equal the naive minimum, leaving self out', () => {
    const random = new Random(1);
    const reference: Latents = { data: random.normalMatrix(300, 3), n: 300, d: 3 };
    const queries: Latents = { data: reference.data.slice(0, 30), n: 10, d: 3 };
    const distances = nearestNeighbourDistances(
      context,
      queries,
      reference,
      Int32Array.from({ length: 10 }, (_, i) => i),
    );
    for (let i = 0; i < 10; i++) {
      let best = Infinity;
      for (let j = 0; j < 300; j++) {
        if (j === i) continue;
        let s = 0;
        for (let k = 0; k < 3; k++)
          s += (reference.data[i * 3 + k] - reference.data[j * 3 + k]) ** 2;
        best = Math.min(best, Math.sqrt(s));
      }
      expect(distances[i]).toBeCloseTo(best, 10);
    }
  });
});

describe('prior holes', () => {
  it('flag about 1 − quantile of the prior samples when the codes fill the prior', () => {
    const random = new Random(3);
    const x: Latents = { data: random.normalMatrix(5000, 2), n: 5000, d: 2 };
    const { figures } = findHoles(context, x, (m) => random.normalMatrix(m, 2), random);
    expect(figures.fraction).toBeLessThan(0.035);
  });
  it('find a missing half-plane and put the centres in it', () => {
    const random = new Random(4);
    const all = random.normalMatrix(8000, 2);
    const kept: number[] = [];
    for (let i = 0; i < 8000; i++) if (all[2 * i] < 0.5) kept.push(all[2 * i], all[2 * i + 1]);
    const x: Latents = { data: Float64Array.from(kept), n: kept.length / 2, d: 2 };
    const { figures, holeSamples } = findHoles(
      context,
      x,
      (m) => random.normalMatrix(m, 2),
      random,
    );
    expect(figures.fraction).toBeGreaterThan(0.15); // P(x₀ > 0.5) ≈ 0.31
    let inHalfPlane = 0;
    for (let i = 0; i < holeSamples.n; i++) if (holeSamples.data[2 * i] > 0.5) inHalfPlane++;
    expect(inHalfPlane / holeSamples.n).toBeGreaterThan(0.9);
    // The largest clusters come first; a few isolated tail samples may form small ones.
    expect(figures.centers[0][0]).toBeGreaterThan(0.5);
    expect(figures.sizes[0]).toBeGreaterThanOrEqual(figures.sizes[figures.sizes.length - 1]);
    expect(figures.sizes.reduce((a, b) => a + b, 0)).toBe(
      Math.round(figures.fraction * figures.prior_samples),
    );
  });
});

describe('uniformity on the sphere', () => {
  const n = 1000;
  const d = 5;
  const unit = (data: Float64Array): Latents => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += data[i * d + k] ** 2;
      for (let k = 0; k < d; k++) data[i * d + k] /= Math.sqrt(s);
    }
    return { data, n, d };
  };
  it('Rayleigh sees a concentrated (von Mises–Fisher-like) sample', () => {
    const random = new Random(5);
    const data = random.normalMatrix(n, d);
    for (let i = 0; i < n; i++) data[i * d] += 1;
    expect(rayleighTest(meanAndCovariance(unit(data), context).mean, n).p).toBeLessThan(1e-10);
  });
  it('an axial (bipolar) sample fools Rayleigh but not Bingham or the projections', () => {
    const random = new Random(6);
    const data = random.normalMatrix(n, d);
    for (let i = 0; i < n; i++) data[i * d] += random.uniform() < 0.5 ? 1.5 : -1.5;
    const x = unit(data);
    const moments = meanAndCovariance(x, context);
    expect(rayleighTest(moments.mean, n).p).toBeGreaterThan(1e-3);
    expect(binghamTest(moments, n).p).toBeLessThan(1e-10);
    expect(projectionKs(x, 16, random).p).toBeLessThan(1e-3);
  });
  it('the report for a sphere prior has uniformity figures and no radius test', () => {
    const random = new Random(7);
    const report = coverageReport(random.unitVectors(800, 4), 800, 4, { prior: 'sphere', seed: 1 });
    expect(report.radius_ks).toMatchObject({
      statistic: null,
      p: null,
      reason: expect.any(String),
    });
    expect(report.pairwise_ks).toMatchObject({ quantity: 'inner-product', pairs: 400 });
    expect(report.sphere).toMatchObject({
      rayleigh: { p: expect.any(Number) },
      bingham: { p: expect.any(Number) },
      projections: { p: expect.any(Number) },
      radius: { normalized: false },
    });
    const scaled = coverageReport(
      random.unitVectors(800, 4).map((v) => 3 * v),
      800,
      4,
      { prior: 'sphere' },
    );
    expect(scaled.warnings.join(' ')).toMatch(/scaled onto the sphere/);
  });
});
