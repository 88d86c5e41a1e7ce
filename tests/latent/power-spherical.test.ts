import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import {
  PowerSphericalLatent,
  PowerSphericalPosterior,
  powerSphericalKlDerivative,
  powerSphericalKlToUniform,
  powerSphericalLogNormalizer,
  powerSphericalMeanResultantLength,
} from '../../src-main/engine/latent/power-spherical';
import { logSphereArea } from '../../src-main/engine/latent/sphere';
import { alignment, gradientCheck, posteriorAt } from './sphere-helpers';
import { relativeError } from './reference';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('Power Spherical distribution (De Cao & Aziz 2020)', () => {
  it('samples are unit-norm with E[μᵀz] = κ/(κ + d − 1) within 3 standard errors', () => {
    for (const d of [2, 3, 10, 64, 128]) {
      for (const kappa of [1, 10, 100, 1000]) {
        tf.tidy(() => {
          const { mean, se, normError } = alignment(
            posteriorAt(PowerSphericalPosterior, 3000, d, kappa, d),
            7 * d + kappa,
          );
          const want = powerSphericalMeanResultantLength(d, kappa);
          expect(want).toBe(kappa / (kappa + d - 1));
          expect(normError).toBeLessThan(1e-5);
          expect(
            Math.abs(mean - want),
            `d=${d} κ=${kappa}: ${mean} vs ${want} ± ${se}`,
          ).toBeLessThan(3 * se);
        });
      }
    }
  });

  it('has a normaliser that reduces to the sphere area at κ = 0, so the KL to uniform is 0 there', () => {
    for (const d of [2, 3, 17, 128]) {
      expect(relativeError(powerSphericalLogNormalizer(d, 0), logSphereArea(d))).toBeLessThan(
        1e-12,
      );
      expect(Math.abs(powerSphericalKlToUniform(d, 0))).toBeLessThan(1e-9);
    }
  });

  it('closed-form KL to the uniform equals a Monte Carlo estimate E_q[log q − log p]', () => {
    tf.tidy(() => {
      const d = 10;
      const geometry = new PowerSphericalLatent({ kind: 'power-sphere', dim: d });
      for (const kappa of [3, 40]) {
        const posterior = posteriorAt(PowerSphericalPosterior, 20000, d, kappa);
        const z = posterior.sample(3);
        const mc = tf.mean(tf.sub(posterior.logProb(z), geometry.logPrior(z))).dataSync()[0];
        const kl = posterior.kl(z).dataSync()[0];
        expect(kl).toBeCloseTo(powerSphericalKlToUniform(d, kappa), 4);
        expect(Math.abs(mc - kl) / kl).toBeLessThan(0.02);
      }
    });
  });

  it('dKL/dκ = κ(ψ₁(α) − ψ₁(α + β)) agrees with finite differences, and the tensor op carries it', () => {
    for (const d of [2, 10, 128]) {
      for (const k of [0.5, 5, 500, 5e4]) {
        const h = k * 1e-5;
        const fd =
          (powerSphericalKlToUniform(d, k + h) - powerSphericalKlToUniform(d, k - h)) / (2 * h);
        expect(relativeError(powerSphericalKlDerivative(d, k), fd), `d=${d} κ=${k}`).toBeLessThan(
          1e-5,
        );
      }
    }
    tf.tidy(() => {
      const kappa = tf.tensor1d([2, 30]);
      const grad = tf
        .grad((k: tf.Tensor) => tf.sum(posteriorKl(k as tf.Tensor1D)))(kappa)
        .dataSync();
      expect(relativeError(grad[0], powerSphericalKlDerivative(10, 2))).toBeLessThan(1e-6);
      expect(relativeError(grad[1], powerSphericalKlDerivative(10, 30))).toBeLessThan(1e-6);
    });
  });

  for (const d of [3, 10, 128]) {
    it(`d = ${d}: gradients of a sample with respect to μ and κ are finite and agree with finite differences`, () => {
      const check = gradientCheck(PowerSphericalPosterior, 256, d, [2, 20, 200], 5);
      expect(check.finite).toBe(true);
      expect(Math.abs(check.mu[0] - check.mu[1])).toBeLessThan(0.03 * Math.abs(check.mu[1]) + 1e-3);
      expect(Math.abs(check.kappa[0] - check.kappa[1])).toBeLessThan(
        0.05 * Math.abs(check.kappa[1]) + 1e-3,
      );
    });
  }

  it('refuses d = 1', () => {
    expect(() => new PowerSphericalLatent({ kind: 'power-sphere', dim: 1 })).toThrow(/d ≥ 2/);
  });
});

function posteriorKl(kappa: tf.Tensor1D): tf.Tensor1D {
  const n = kappa.shape[0];
  const mu = tf.concat([tf.ones([n, 1]), tf.zeros([n, 9])], 1) as tf.Tensor2D;
  return new PowerSphericalPosterior(mu, kappa, 10).kl();
}
