import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { createGeometry } from '../../src-main/engine/latent/registry';
import type { MixtureLatent } from '../../src-main/engine/latent/mixture';
import { MixturePosterior } from '../../src-main/engine/latent/mixture';
import { clusterAssignments, clusteringAccuracy } from '../../src-main/engine/latent/clustering';
import type { Gmm } from '../../src-main/engine/latent/gmm';
import { Vae } from '../../src-main/engine/model/model';
import { mnistConfig } from '../engine/helpers';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

function mixture(k = 4, d = 3, balance?: number): MixtureLatent {
  return createGeometry({
    kind: 'mixture',
    dim: d,
    components: k,
    ...(balance === undefined ? {} : { balance }),
  }) as MixtureLatent;
}

describe('Gaussian mixture prior', () => {
  it('has learnable means and variances with stable, distinct names; well-separated initial means', () => {
    const a = mixture(4, 3);
    const b = mixture(4, 3);
    expect(a.variables.map((v) => v.name)).toEqual([
      'mixture_prior/means',
      'mixture_prior/log_vars',
    ]);
    expect(b.variables.map((v) => v.name)).toEqual([
      'mixture_prior/means_1',
      'mixture_prior/log_vars_1',
    ]);
    expect(a.variables.every((v) => v.trainable)).toBe(true);
    const means = a.means.arraySync() as number[][];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < i; j++) {
        expect(Math.hypot(...means[i].map((v, t) => v - means[j][t]))).toBeGreaterThan(3);
      }
    a.dispose();
    b.dispose();
    const c = mixture(4, 3);
    expect(c.means.name).toBe('mixture_prior/means');
    c.dispose();
  });

  it('log p(z) is a normalised density (1-D, numerical integration)', () => {
    const g = mixture(3, 1);
    tf.tidy(() => {
      const grid = tf.linspace(-20, 20, 8001).reshape([-1, 1]) as tf.Tensor2D;
      const integral = tf.sum(tf.exp(g.logPrior(grid))).dataSync()[0] * (40 / 8000);
      expect(integral).toBeCloseTo(1, 4);
    });
    g.dispose();
  });

  it('the KL bound is ≥ the true KL(q ‖ p) (Monte Carlo) and tight for a posterior on one component', () => {
    const g = mixture(4, 3);
    tf.tidy(() => {
      const means = g.means.arraySync() as number[][];
      // Row 0 sits on component 0; row 1 is between components 0 and 1, and broad.
      const head = tf.tensor2d([
        [...means[0], -1, -1, -1],
        [...means[0].map((v, j) => (v + means[1][j]) / 2), 0.5, 0.5, 0.5],
      ]);
      const posterior = g.posterior(head);
      const bound = posterior.kl().dataSync();
      const many = new MixturePosterior(
        tf.tile(posterior.mean, [20000, 1]) as tf.Tensor2D,
        tf.tile(posterior.logVar, [20000, 1]) as tf.Tensor2D,
        g,
      );
      const z = many.sample(3);
      const logRatio = tf.reshape(tf.sub(many.logProb(z), g.logPrior(z)), [20000, 2]);
      const mc = tf.mean(logRatio, 0).dataSync();
      for (let i = 0; i < 2; i++) expect(bound[i]).toBeGreaterThan(mc[i] - 0.02);
      expect(bound[0] - mc[0]).toBeLessThan(0.05);
    });
    g.dispose();
  });

  it('prior samples come from the components and carry gradients to the means', () => {
    const g = mixture(2, 2);
    tf.tidy(() => {
      g.means.assign(
        tf.tensor2d([
          [-10, 0],
          [10, 0],
        ]),
      );
      const z = g.samplePrior(4000, 1);
      const x = z.slice([0, 0], [-1, 1]).dataSync();
      const right = Array.from(x).filter((v) => v > 0).length / 4000;
      expect(right).toBeGreaterThan(0.45);
      expect(right).toBeLessThan(0.55);
      const { grads } = tf.variableGrads(
        () => tf.sum(g.samplePrior(10, 2)) as tf.Scalar,
        [g.means],
      );
      expect(tf.sum(grads[g.means.name]).dataSync()[0]).toBeCloseTo(20, 3); // every draw moves with its mean
    });
    g.dispose();
  });

  it('assigns points to their nearest component, and clustering accuracy uses the best one-to-one matching', () => {
    const g = mixture(3, 2);
    tf.tidy(() => {
      g.means.assign(
        tf.tensor2d([
          [0, 0],
          [5, 0],
          [0, 5],
        ]),
      );
      const z = tf.tensor2d([
        [0.2, -0.1],
        [4.8, 0.3],
        [0.1, 5.5],
        [5.2, -0.4],
      ]);
      expect(Array.from(clusterAssignments(g, z))).toEqual([0, 1, 2, 1]);
      const posterior = g.posterior(tf.concat([z, tf.fill([4, 2], -4)], 1) as tf.Tensor2D);
      expect(Array.from(clusterAssignments(g, posterior))).toEqual([0, 1, 2, 1]);
    });
    // Labels are a permutation of the clusters: accuracy 1; one mistake in 4: 0.75.
    expect(clusteringAccuracy([0, 1, 2, 1], [2, 0, 1, 0])).toBe(1);
    expect(clusteringAccuracy([0, 1, 2, 1], [2, 0, 1, 1])).toBe(0.75);
    // More clusters than classes: unmatched clusters count as wrong.
    expect(clusteringAccuracy([0, 1, 2, 3], [0, 0, 1, 1])).toBe(0.5);
    expect(() =>
      clusterAssignments(createGeometry({ kind: 'gaussian', dim: 2 }), tf.zeros([1, 2])),
    ).toThrow(/mixture prior/);
    g.dispose();
  });

  it('the anti-collapse regulariser is ~0 for confident, balanced assignments and log K when all share one component', () => {
    const g = mixture(4, 4, 1);
    tf.tidy(() => {
      const means = g.means.arraySync() as number[][];
      const confident = g.posterior(tf.tensor2d(means.map((m) => [...m, -6, -6, -6, -6])));
      expect(g.regularizer(confident).dataSync()[0]).toBeLessThan(0.01);
      const collapsed = g.posterior(tf.tensor2d(means.map(() => [...means[0], -6, -6, -6, -6])));
      expect(g.regularizer(collapsed).dataSync()[0]).toBeCloseTo(Math.log(4), 2);
      const ambiguous = g.posterior(tf.tensor2d(means.map(() => [0, 0, 0, 0, -6, -6, -6, -6])));
      expect(g.regularizer(ambiguous).dataSync()[0]).toBeCloseTo(Math.log(4), 2);
    });
    const off = mixture(4, 4, 0);
    tf.tidy(() => {
      expect(off.regularizer(off.posterior(tf.zeros([2, 8]))).dataSync()[0]).toBe(0);
    });
    g.dispose();
    off.dispose();
  });

  it('the consistency term is μ·KL(p ‖ γ(T x)) for the sharpened target p of γ(x), and moves only the distorted branch', () => {
    const g = createGeometry({
      kind: 'mixture',
      dim: 2,
      components: 3,
      invariance: 5,
    }) as MixtureLatent;
    tf.tidy(() => {
      g.means.assign(
        tf.tensor2d([
          [0, 0],
          [3, 0],
          [0, 3],
        ]),
      );
      // Confident assignments spread evenly over the components (means 12 apart): the target is γ
      // itself, and an undistorted copy costs nothing.
      const far = tf.tensor2d([
        [0, 0, -6, -6],
        [12, 0, -6, -6],
        [0, 12, -6, -6],
      ]);
      g.means.assign(tf.mul(4, g.means));
      expect(g.consistency(g.posterior(far), g.posterior(far)).dataSync()[0]).toBeLessThan(1e-6);
      g.means.assign(tf.div(g.means, 4));

      const clean = tf.tensor2d([
        [0.5, -0.1, -1, -1],
        [2.0, 0.7, -1, -1],
      ]);
      const moved = tf.tensor2d([
        [1.2, 0.4, -1, -1],
        [2.3, 1.5, -1, -1],
      ]);
      const a = g.posterior(clean).responsibilities().arraySync() as number[][];
      const b = g.posterior(moved).responsibilities().arraySync() as number[][];
      // DEC's target: p_ik ∝ γ_ik² / Σ_i γ_ik.
      const share = [0, 1, 2].map((k) => a[0][k] + a[1][k]);
      const p = a.map((row) => {
        const raw = row.map((v, k) => (v * v) / share[k]);
        const total = raw.reduce((s, v) => s + v, 0);
        return raw.map((v) => v / total);
      });
      const kl = p.map((row, i) => row.reduce((s, v, k) => s + v * Math.log(v / b[i][k]), 0));
      const expected = (5 * (kl[0] + kl[1])) / 2;
      expect(expected).toBeGreaterThan(0.01);
      expect(g.consistency(g.posterior(clean), g.posterior(moved)).dataSync()[0]).toBeCloseTo(
        expected,
        5,
      );
      // The target is fixed: no gradient flows into the clean branch.
      const [dClean, dMoved] = tf.grads((c: tf.Tensor, m: tf.Tensor) =>
        g.consistency(g.posterior(c as tf.Tensor2D), g.posterior(m as tf.Tensor2D)),
      )([clean, moved]);
      expect(tf.max(tf.abs(dClean)).dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(dMoved)).dataSync()[0]).toBeGreaterThan(1e-3);
    });
    g.dispose();
  });

  it('a mixture VAE on images pays the consistency term in its loss; on points there is none', () => {
    const x = tf.randomUniform([8, 784], 0, 1, 'float32', 5) as tf.Tensor2D;
    const loss = (invariance: number, inputShape: number[], input: tf.Tensor2D) => {
      const vae = Vae.create(
        mnistConfig({
          inputShape,
          latent: { kind: 'mixture', dim: 4, components: 3, invariance },
        }),
        1,
      );
      const value = tf.tidy(() => vae.lossTerms(input, 0, 9).loss.dataSync()[0]);
      vae.dispose();
      return value;
    };
    expect(loss(50, [28, 28, 1], x)).toBeGreaterThan(loss(0, [28, 28, 1], x) + 1e-3);
    const points = tf.randomNormal([8, 2], 0, 1, 'float32', 6) as tf.Tensor2D;
    expect(loss(50, [2], points)).toBe(loss(0, [2], points));
    x.dispose();
    points.dispose();
  });

  it('takes its prior from a fitted GMM (VaDE initialisation)', () => {
    const g = mixture(2, 2);
    const gmm: Gmm = {
      kind: 'gmm',
      dim: 2,
      covariance: 'full',
      weights: [0.4, 0.6],
      means: [
        [1, 2],
        [3, 4],
      ],
      covariances: [
        [4, 1, 1, 9],
        [1, 0, 0, 0.25],
      ],
      logLikelihood: 0,
      iterations: 1,
      converged: true,
    };
    g.initializeFrom(gmm);
    expect(g.means.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const vars = (tf.tidy(() => tf.exp(g.logVars)).arraySync() as number[][]).flat();
    [4, 9, 1, 0.25].forEach((v, i) => expect(vars[i]).toBeCloseTo(v, 5));
    expect(() => g.initializeFrom({ ...gmm, dim: 3 })).toThrow(/cannot initialise/);
    g.dispose();
  });

  it('leaks no tensors', () => {
    const g = mixture(3, 2);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const posterior = g.posterior(tf.randomNormal([5, 4], 0, 1, 'float32', 1));
      const z = posterior.sample(1);
      posterior.kl();
      posterior.logProb(z);
      g.logPrior(z);
      g.samplePrior(3, 1);
      g.regularizer(posterior);
      g.consistency(posterior, posterior);
    });
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });
});
