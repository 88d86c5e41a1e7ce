import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { besselIRatio, logBesselI, logBesselIReduced } from '../../src-main/engine/special/bessel';
import { tf } from '../../src-main/engine/tf';
import {
  logBesselITensor,
  logSphereArea,
  vmfKlDerivative,
  vmfKlTensor,
  vmfKlToUniform,
  vmfLogNormalizer,
  vmfLogNormalizerTensor,
  vmfMeanResultantLength,
} from '../../src-main/engine/latent/vmf';
import { loadReference, relativeError } from './reference';

const reference = loadReference();

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('log I_v(κ) in float64', () => {
  it('matches the 40-digit reference at every listed point (v ≤ 255, 1e-4 ≤ κ ≤ 1e5)', () => {
    expect(reference.log_bessel_i.length).toBeGreaterThan(100);
    for (const p of reference.log_bessel_i) {
      const got = logBesselI(p.v, p.kappa);
      expect(Number.isFinite(got), `v=${p.v} κ=${p.kappa}`).toBe(true);
      expect(
        relativeError(got, p.value),
        `v=${p.v} κ=${p.kappa}: ${got} vs ${p.value}`,
      ).toBeLessThan(1e-10);
    }
  });

  it('is continuous across its regime boundaries (order 20, argument 50)', () => {
    for (const [v, x] of [
      [19.999999, 30],
      [20, 30],
      [3, 49.999999],
      [3, 50.000001],
      [19.999999, 1e4],
      [20, 1e4],
    ]) {
      const h = x * 1e-6;
      const slope = (logBesselI(v, x + h) - logBesselI(v, x - h)) / (2 * h);
      expect(relativeError(slope, besselIRatio(v, x) + v / x), `v=${v} x=${x}`).toBeLessThan(1e-6);
    }
    expect(relativeError(logBesselI(19.999999, 30), logBesselI(20, 30))).toBeLessThan(1e-6);
  });

  it('keeps the reduced form log[Γ(v+1)(x/2)^{−v} I_v(x)] accurate where it is tiny', () => {
    // 0F1(; v+1; q) = 1 + q/(v+1) + q²/(2(v+1)(v+2)) + O(q³), q = x²/4.
    const v = 63;
    const q = (1e-3 * 1e-3) / 4;
    const series = Math.log1p(q / (v + 1) + (q * q) / (2 * (v + 1) * (v + 2)));
    expect(relativeError(logBesselIReduced(v, 1e-3), series)).toBeLessThan(1e-12);
    expect(logBesselI(0, 0)).toBe(0);
    expect(logBesselI(2, 0)).toBe(-Infinity);
    expect(() => logBesselI(-1, 1)).toThrow(/order/);
  });

  it('d/dκ log I_v(κ) = I_{v+1}/I_v + v/κ agrees with finite differences of log I_v', () => {
    for (const v of [0, 1.5, 9, 63, 255]) {
      for (const k of [0.01, 1, 30, 400, 5e4]) {
        const h = k * 1e-6;
        const fd = (logBesselI(v, k + h) - logBesselI(v, k - h)) / (2 * h);
        expect(relativeError(besselIRatio(v, k) + v / k, fd), `v=${v} κ=${k}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('von Mises-Fisher normaliser, mean resultant length and KL to the uniform', () => {
  it('match the reference at every listed (d, κ) to 1e-6 relative, and are finite', () => {
    expect(reference.vmf.length).toBeGreaterThan(50);
    for (const p of reference.vmf) {
      const where = `d=${p.d} κ=${p.kappa}`;
      const values = [
        vmfMeanResultantLength(p.d, p.kappa),
        vmfLogNormalizer(p.d, p.kappa),
        vmfKlToUniform(p.d, p.kappa),
        logSphereArea(p.d),
      ];
      for (const v of values) expect(Number.isFinite(v), where).toBe(true);
      expect(relativeError(values[0], p.mean_resultant_length), where).toBeLessThan(1e-6);
      expect(relativeError(values[1], p.log_normalizer), where).toBeLessThan(1e-6);
      expect(relativeError(values[2], p.kl_to_uniform), where).toBeLessThan(1e-6);
      expect(relativeError(values[3], p.log_sphere_area), where).toBeLessThan(1e-12);
    }
  });

  it('dKL/dκ = κ(1 − A²) − (d − 1)A agrees with finite differences of the KL', () => {
    for (const d of [2, 3, 10, 128, 512]) {
      for (const k of [0.05, 1, 10, 100, 1000]) {
        const h = k * 1e-5;
        const fd = (vmfKlToUniform(d, k + h) - vmfKlToUniform(d, k - h)) / (2 * h);
        expect(relativeError(vmfKlDerivative(d, k), fd), `d=${d} κ=${k}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('tensor ops (float64 forward, exact gradients)', () => {
  const kappas = [1e-4, 0.5, 2, 37, 1e3, 1e5];

  it('log I_v as a tensor: values match float64, gradient is I_{v+1}/I_v + v/κ', () => {
    const before = tf.memory().numTensors;
    for (const v of [0, 63]) {
      const k = tf.tensor1d(kappas);
      const value = logBesselITensor(v, k);
      const grad = tf.grad((x: tf.Tensor) => tf.sum(logBesselITensor(v, x)))(k);
      const [values, grads] = [value.dataSync(), grad.dataSync()];
      kappas.forEach((kappa, i) => {
        const want = logBesselI(v, Math.fround(kappa));
        expect(relativeError(values[i], want)).toBeLessThan(1e-6);
        expect(
          relativeError(grads[i], besselIRatio(v, Math.fround(kappa)) + v / Math.fround(kappa)),
        ).toBeLessThan(1e-6);
      });
      tf.dispose([k, value, grad]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the KL and log-normaliser ops carry dKL/dκ and d log C/dκ = −A_d(κ), finite at d = 128, κ ≈ 2', () => {
    const d = 128;
    tf.tidy(() => {
      const k = tf.tensor1d([...kappas, 2]);
      const kl = vmfKlTensor(d, k).dataSync();
      const dkl = tf
        .grad((x: tf.Tensor) => tf.sum(vmfKlTensor(d, x)))(k)
        .dataSync();
      const dlogc = tf
        .grad((x: tf.Tensor) => tf.sum(vmfLogNormalizerTensor(d, x)))(k)
        .dataSync();
      [...kappas, 2].forEach((kappa, i) => {
        const kf = Math.fround(kappa);
        expect(Number.isFinite(kl[i]) && Number.isFinite(dkl[i]) && Number.isFinite(dlogc[i])).toBe(
          true,
        );
        expect(relativeError(kl[i], vmfKlToUniform(d, kf))).toBeLessThan(1e-6);
        expect(relativeError(dkl[i], vmfKlDerivative(d, kf))).toBeLessThan(1e-6);
        expect(relativeError(dlogc[i], -vmfMeanResultantLength(d, kf))).toBeLessThan(1e-6);
      });
    });
  });
});
