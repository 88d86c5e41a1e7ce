import { describe, expect, it } from 'vitest';
import {
  fitGmm,
  gmmAssign,
  gmmLogDensity,
  sampleGmm,
  type Gmm,
} from '../../src-main/engine/latent/gmm';
import { mulberry32, normal } from '../../src-main/shared/random';
import { clusteringAccuracy } from '../../src-main/engine/latent/clustering';

/** Three well-separated anisotropic clusters in 2-D with weights 0.5, 0.3, 0.2. */
function threeClusters(n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = mulberry32(seed);
  const centres = [
    [0, 0],
    [8, 1],
    [2, 9],
  ];
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng();
    const c = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
    const e1 = normal(rng);
    const e2 = normal(rng);
    // cluster 0 is correlated: covariance [[1, 0.8], [0.8, 1]]
    x[2 * i] = centres[c][0] + e1;
    x[2 * i + 1] = centres[c][1] + (c === 0 ? 0.8 * e1 + 0.6 * e2 : 0.5 * e2);
    labels[i] = c;
  }
  return { x, labels };
}

describe('Gaussian mixture by EM (k-means++ start, float64)', () => {
  const { x, labels } = threeClusters(3000, 1);

  it('recovers weights, means and a full covariance', () => {
    const gmm = fitGmm(x, 3000, 2, 3, 7, { covariance: 'full' });
    expect(gmm.converged).toBe(true);
    const order = gmm.means
      .map((m, i) => i)
      .sort((a, b) => gmm.means[a][0] + gmm.means[a][1] - (gmm.means[b][0] + gmm.means[b][1]));
    const [c0, c1, c2] = order; // by m_x + m_y: (0,0), (8,1), (2,9)
    expect(gmm.weights[c0]).toBeCloseTo(0.5, 1);
    expect(gmm.weights[c1]).toBeCloseTo(0.3, 1);
    expect(gmm.weights[c2]).toBeCloseTo(0.2, 1);
    expect(gmm.means[c1][0]).toBeCloseTo(8, 0);
    expect(gmm.covariances[c0][1]).toBeCloseTo(0.8, 1); // off-diagonal of cluster 0
    expect(clusteringAccuracy(gmmAssign(gmm, x, 3000), labels)).toBeGreaterThan(0.99);
  });

  it('full covariance fits the correlated cluster better than a diagonal one', () => {
    const full = fitGmm(x, 3000, 2, 3, 7, { covariance: 'full' });
    const diag = fitGmm(x, 3000, 2, 3, 7, { covariance: 'diag' });
    expect(diag.covariances[0]).toHaveLength(2);
    expect(full.logLikelihood).toBeGreaterThan(diag.logLikelihood + 0.1);
  });

  it('is deterministic from its seed and survives a JSON round trip', () => {
    const a = fitGmm(x, 3000, 2, 3, 11);
    const b = fitGmm(x, 3000, 2, 3, 11);
    expect(a).toEqual(b);
    const copy = JSON.parse(JSON.stringify(a)) as Gmm;
    expect(Array.from(sampleGmm(copy, 10, 3))).toEqual(Array.from(sampleGmm(a, 10, 3)));
    expect(Array.from(gmmLogDensity(copy, x.subarray(0, 20), 10))).toEqual(
      Array.from(gmmLogDensity(a, x.subarray(0, 20), 10)),
    );
  });

  it('samples reproduce the fitted law: refitting to 20,000 draws gives the same weights and means', () => {
    const gmm = fitGmm(x, 3000, 2, 3, 7);
    const draws = sampleGmm(gmm, 20000, 5);
    expect(draws).toHaveLength(40000);
    const refit = fitGmm(draws, 20000, 2, 3, 7);
    for (let c = 0; c < 3; c++) {
      const j = refit.means.findIndex(
        (m) => Math.hypot(m[0] - gmm.means[c][0], m[1] - gmm.means[c][1]) < 0.2,
      );
      expect(j).toBeGreaterThanOrEqual(0);
      expect(refit.weights[j]).toBeCloseTo(gmm.weights[c], 1);
    }
    expect(sampleGmm(gmm, 5, 1)).not.toEqual(sampleGmm(gmm, 5, 2));
  });

  it('log density integrates to 1 (1-D grid)', () => {
    const rng = mulberry32(3);
    const y = Float32Array.from({ length: 500 }, (_, i) => (i % 2 ? 4 : 0) + normal(rng));
    const gmm = fitGmm(y, 500, 1, 2, 1);
    const grid = Float64Array.from({ length: 4001 }, (_, i) => -15 + (i * 30) / 4000);
    const density = gmmLogDensity(gmm, grid, grid.length);
    const integral = density.reduce((s, v) => s + Math.exp(v), 0) * (30 / 4000);
    expect(integral).toBeCloseTo(1, 4);
  });

  it('rejects impossible requests clearly', () => {
    expect(() => fitGmm(new Float32Array(4), 2, 2, 3, 0)).toThrow(
      /cannot fit 3 components to 2 points/,
    );
    expect(() => fitGmm(new Float32Array(5), 2, 2, 1, 0)).toThrow(/expected 2×2/);
    expect(() => fitGmm(Float32Array.of(1, NaN, 2, 3), 2, 2, 1, 0)).toThrow(/non-finite/);
  });
});
