import erfc from '@stdlib/math-base-special-erfc';
import { describe, expect, it } from 'vitest';
import {
  cramerWoldBetween,
  cramerWoldToNormal,
  cramerWoldToUniformSphere,
  silvermanGamma,
  uniformSphereKernelMean,
} from '../../src-main/engine/coverage/cramer-wold';
import { cramerWoldPhiOf } from '../../src-main/engine/special/hypergeometric';
import { createKernelContext } from '../../src-main/engine/coverage/kernels/gram-kernels';
import type { Latents } from '../../src-main/engine/coverage/latents';
import { imqConstants, mmd } from '../../src-main/engine/coverage/mmd';
import { Random } from '../../src-main/engine/coverage/random';
import { slicedWasserstein } from '../../src-main/engine/coverage/sliced-wasserstein';
import { close } from './reference';

const context = createKernelContext();
const gaussian = (random: Random, n: number, d: number, scale = 1, shift = 0): Latents => ({
  data: random.normalMatrix(n, d).map((v) => scale * v + shift),
  n,
  d,
});

describe('MMD with the multi-scale IMQ kernel, unbiased U-statistic', () => {
  it('equals the naive double sum', () => {
    const random = new Random(1);
    const x = gaussian(random, 30, 4, 1.3);
    const y = gaussian(random, 30, 4);
    const C = imqConstants(4, 1);
    const k = (a: Latents, i: number, b: Latents, j: number) => {
      let r2 = 0;
      for (let t = 0; t < 4; t++) r2 += (a.data[i * 4 + t] - b.data[j * 4 + t]) ** 2;
      return C.reduce((s, c) => s + c / (c + r2), 0);
    };
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < 30; i++)
      for (let j = 0; j < 30; j++) {
        if (i !== j) sxx += k(x, i, x, j);
        if (i !== j) syy += k(y, i, y, j);
        sxy += k(x, i, y, j);
      }
    const expected = sxx / (30 * 29) + syy / (30 * 29) - (2 * sxy) / (30 * 30);
    const figures = mmd(context, x, y, 1, 20, random);
    expect(close(figures.value, expected, 1e-10)).toBe(true);
    expect(figures.p).toBeGreaterThan(0);
    expect(figures.p).toBeLessThanOrEqual(1);
  });
  it('the kernel constants are C = 2·d·σ²·s over the WAE scales', () => {
    expect(imqConstants(8, 1)).toEqual([1.6, 3.2, 8, 16, 32, 80, 160]);
  });
  it('detects a shifted sample', () => {
    const random = new Random(2);
    expect(
      mmd(context, gaussian(random, 150, 3, 1, 0.5), gaussian(random, 150, 3), 1, 99, random).p,
    ).toBeLessThan(0.02);
  });
});

describe('sliced Wasserstein against the prior’s exact projected quantiles', () => {
  it('SW₂ of N(μ, I) against N(0, I) is ‖μ‖/√d', () => {
    const random = new Random(3);
    const sw = slicedWasserstein(
      context,
      gaussian(random, 20000, 8, 1, 0.5),
      'gaussian',
      200,
      random,
    );
    expect(close(sw.value, 0.5, 0.05)).toBe(true);
  });
  it('SW₂ of N(0, σ²I) against N(0, I) is |σ − 1|', () => {
    const random = new Random(4);
    expect(
      close(
        slicedWasserstein(context, gaussian(random, 20000, 8, 0.5), 'gaussian', 50, random).value,
        0.5,
        0.03,
      ),
    ).toBe(true);
  });
  it('is small for a sample from the prior', () => {
    const random = new Random(5);
    expect(
      slicedWasserstein(context, gaussian(random, 20000, 8), 'gaussian', 50, random).value,
    ).toBeLessThan(0.03);
  });
});

describe('Cramér–Wold distance (Tabor et al. 2018)', () => {
  // d²_cw is the average over unit directions v of ∫ (f_X − f_N)², f_X the projected sample
  // smoothed by N(0, γ) and f_N = N(0, 1 + γ); for one v the integral is a sum of Gaussians.
  function byDirections(x: Latents, gamma: number, directions: number, random: Random): number {
    const { data, n, d } = x;
    const normal = (t: number, variance: number) =>
      Math.exp((-t * t) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
    const thetas = random.unitVectors(directions, d);
    let total = 0;
    const p = new Float64Array(n);
    for (let l = 0; l < directions; l++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += data[i * d + k] * thetas[l * d + k];
        p[i] = s;
      }
      let xx = 0;
      let xn = 0;
      for (let i = 0; i < n; i++) {
        xn += normal(p[i], 1 + 2 * gamma);
        for (let j = 0; j < n; j++) xx += normal(p[i] - p[j], 2 * gamma);
      }
      total += xx / (n * n) - (2 * xn) / n + 1 / Math.sqrt(4 * Math.PI * (1 + gamma));
    }
    return total / directions;
  }

  it('the closed form against N(0, I) equals the average over directions, for D = 1, 3, 4 and 25', () => {
    for (const d of [1, 3, 4, 25]) {
      const random = new Random(10 + d);
      const x = gaussian(random, 25, d, 0.7, 0.2);
      const closed = cramerWoldToNormal(context, x);
      const averaged = byDirections(x, silvermanGamma(25), d === 1 ? 1 : 20000, random);
      expect(
        close(closed, averaged, d === 1 ? 1e-12 : 0.02),
        `D = ${d}: ${closed} vs ${averaged}`,
      ).toBe(true);
    }
  });

  it('the two-sample form is symmetric, zero for identical samples, and positive otherwise', () => {
    const random = new Random(20);
    const x = gaussian(random, 40, 5);
    const y = gaussian(random, 40, 5, 1.5);
    const gamma = silvermanGamma(40);
    expect(Math.abs(cramerWoldBetween(context, x, x, gamma))).toBeLessThan(1e-12);
    expect(
      close(
        cramerWoldBetween(context, x, y, gamma),
        cramerWoldBetween(context, y, x, gamma),
        1e-10,
      ),
    ).toBe(true);
    expect(cramerWoldBetween(context, x, y, gamma)).toBeGreaterThan(0);
  });

  it('grows with the distance from the prior', () => {
    const random = new Random(21);
    const near = cramerWoldToNormal(context, gaussian(random, 500, 16));
    const far = cramerWoldToNormal(context, gaussian(random, 500, 16, 0.6));
    expect(far).toBeGreaterThan(3 * near);
    expect(near).toBeGreaterThan(0);
  });

  it('E φ_D(‖u − u′‖²/(4γ)) over uniform u, u′ on the sphere matches Monte Carlo', () => {
    const random = new Random(30);
    for (const d of [2, 3, 10]) {
      const gamma = 0.05;
      const phi = cramerWoldPhiOf(d);
      const u = random.unitVectors(200000, d);
      let sum = 0;
      for (let i = 0; i < 100000; i++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (u[2 * i * d + k] - u[(2 * i + 1) * d + k]) ** 2;
        sum += phi(r2 / (4 * gamma));
      }
      expect(close(uniformSphereKernelMean(d, gamma), sum / 100000, 0.01), `d = ${d}`).toBe(true);
    }
  });

  it('the closed form against the uniform sphere equals the average over directions (S²)', () => {
    // On S², one coordinate of a uniform point is uniform on [−1, 1], so the smoothed prior
    // projection is f_U = U[−1, 1] ∗ N(0, γ) for every direction v.
    const erf = (x: number) => 1 - erfc(x);
    const random = new Random(31);
    const m = 30;
    const x: Latents = { data: random.unitVectors(m, 3), n: m, d: 3 };
    for (let i = 0; i < m; i++) x.data[3 * i] = Math.abs(x.data[3 * i]); // a hemisphere: far from uniform
    const gamma = 0.08;
    const g = (a: number) =>
      0.25 * (erf((a + 1) / (2 * Math.sqrt(gamma))) - erf((a - 1) / (2 * Math.sqrt(gamma))));
    let uu = 0;
    const steps = 4000;
    for (let i = 0; i <= steps; i++) {
      const t = -1 + (2 * i) / steps;
      uu += ((i === 0 || i === steps ? 0.5 : 1) * g(t) * 2) / steps / 2;
    }
    const normal = (t: number) => Math.exp((-t * t) / (4 * gamma)) / Math.sqrt(4 * Math.PI * gamma);
    const thetas = random.unitVectors(20000, 3);
    let total = 0;
    const p = new Float64Array(m);
    for (let l = 0; l < 20000; l++) {
      for (let i = 0; i < m; i++)
        p[i] =
          x.data[3 * i] * thetas[3 * l] +
          x.data[3 * i + 1] * thetas[3 * l + 1] +
          x.data[3 * i + 2] * thetas[3 * l + 2];
      let xx = 0;
      let xu = 0;
      for (let i = 0; i < m; i++) {
        xu += g(p[i]);
        for (let j = 0; j < m; j++) xx += normal(p[i] - p[j]);
      }
      total += xx / (m * m) - (2 * xu) / m + uu;
    }
    const closed = cramerWoldToUniformSphere(context, x, gamma);
    expect(close(closed, total / 20000, 0.02), `${closed} vs ${total / 20000}`).toBe(true);
  });
});
