import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { createGeometry } from '../../src-main/engine/latent/registry';
import {
  VmfLatent,
  VmfPosterior,
  vmfKlToUniform,
  vmfMeanResultantLength,
  woodAcceptedProposals,
} from '../../src-main/engine/latent/vmf';
import { alignment, gradientCheck, posteriorAt } from './sphere-helpers';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('von Mises-Fisher sampling (Wood 1994; Davidson et al. 2018)', () => {
  for (const d of [3, 10, 64, 128]) {
    it(`d = ${d}: unit-norm samples whose mean μᵀz is A_d(κ) within 3 standard errors, κ ∈ {1, 10, 100, 1000}`, () => {
      for (const kappa of [1, 10, 100, 1000]) {
        tf.tidy(() => {
          const { mean, se, normError } = alignment(
            posteriorAt(VmfPosterior, 3000, d, kappa, d),
            1000 * d + kappa,
          );
          const want = vmfMeanResultantLength(d, kappa);
          expect(normError, `d=${d} κ=${kappa}`).toBeLessThan(1e-5);
          expect(
            Math.abs(mean - want),
            `d=${d} κ=${kappa}: ${mean} vs ${want} ± ${se}`,
          ).toBeLessThan(3 * se);
        });
      }
    });
  }

  it('works on the circle (d = 2) and refuses d = 1 with a clear reason', () => {
    tf.tidy(() => {
      const { mean, se } = alignment(posteriorAt(VmfPosterior, 3000, 2, 4), 5);
      expect(Math.abs(mean - vmfMeanResultantLength(2, 4))).toBeLessThan(3 * se);
    });
    expect(() => new VmfLatent({ kind: 'sphere', dim: 1 })).toThrow(/d ≥ 2.*d = 1/);
  });

  it('is reproducible from its seed, and the seed matters', () => {
    const draw = (seed: number) =>
      tf.tidy(() => posteriorAt(VmfPosterior, 8, 10, 20).sample(seed).arraySync());
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(Array.from(woodAcceptedProposals(10, [5, 50], 3))).toEqual(
      Array.from(woodAcceptedProposals(10, [5, 50], 3)),
    );
  });

  for (const d of [3, 10, 128]) {
    it(`d = ${d}: gradients of a sample with respect to μ and κ are finite and agree with finite differences`, () => {
      const check = gradientCheck(VmfPosterior, 256, d, [2, 20, 200], 21);
      expect(check.finite).toBe(true);
      expect(Math.abs(check.mu[0] - check.mu[1])).toBeLessThan(0.03 * Math.abs(check.mu[1]) + 1e-3);
      expect(Math.abs(check.kappa[0] - check.kappa[1])).toBeLessThan(
        0.05 * Math.abs(check.kappa[1]) + 1e-3,
      );
    });
  }
});

describe('the vMF posterior against the uniform prior', () => {
  it('log q(z) is a normalised density: E_uniform[q(z)/p(z)] = 1 (d = 3)', () => {
    tf.tidy(() => {
      const geometry = createGeometry({ kind: 'sphere', dim: 3 });
      const posterior = posteriorAt(VmfPosterior, 1, 3, 3);
      const z = geometry.samplePrior(40000, 9);
      const ratio = tf.exp(tf.sub(posterior.logProb(z), geometry.logPrior(z)));
      expect(tf.mean(ratio).dataSync()[0]).toBeCloseTo(1, 1);
    });
  });

  it('the closed-form KL equals a Monte Carlo estimate E_q[log q − log p]', () => {
    tf.tidy(() => {
      const d = 10;
      const kappa = 15;
      const geometry = new VmfLatent({ kind: 'sphere', dim: d });
      const posterior = posteriorAt(VmfPosterior, 20000, d, kappa);
      const z = posterior.sample(4);
      const mc = tf.mean(tf.sub(posterior.logProb(z), geometry.logPrior(z))).dataSync()[0];
      const kl = posterior.kl(z).dataSync()[0];
      expect(kl).toBeCloseTo(vmfKlToUniform(d, kappa), 4);
      expect(Math.abs(mc - kl) / kl).toBeLessThan(0.02);
    });
  });

  it('reads the encoder head as μ = h/‖h‖ and κ = 1 + softplus(h_{d+1}); leaks no tensors', () => {
    const geometry = createGeometry({ kind: 'sphere', dim: 4 });
    expect(geometry.headSize).toBe(5);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const head = tf.tensor2d([[3, 0, 4, 0, 0]]);
      const posterior = geometry.posterior(head) as VmfPosterior;
      expect(Array.from(posterior.mean.dataSync()).map((v) => +v.toFixed(6))).toEqual([
        0.6, 0, 0.8, 0,
      ]);
      expect(posterior.kappa.dataSync()[0]).toBeCloseTo(1 + Math.log(2), 5);
      const z = posterior.sample(1);
      posterior.kl();
      posterior.logProb(z);
      geometry.logPrior(z);
      geometry.samplePrior(5, 1);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
