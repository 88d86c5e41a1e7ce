import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import {
  cdfDivergence,
  cdfDivergenceTensor,
  cramerVonMises,
} from '../../src-main/engine/objectives/cdf';
import { tf } from '../../src-main/engine/tf';
import { chiCdf, chiQuantile } from '../../src-main/shared/maths/special/chi';
import { sphereMarginalCdf } from '../../src-main/shared/maths/special/sphere-marginal';
import { mulberry32, normal } from '../../src-main/shared/random';
import { loadReference } from '../fixtures/reference';

/**
 * The cdf objective (engine/objectives/cdf.ts): the Cramér–von Mises distance of the batch's
 * radii and pairwise distances from their laws under the prior. Its value against a direct
 * numerical integration of ∫(F_m − F)² dF, its gradient against central finite differences,
 * its null expectation, the laws it uses against the reference values, and the tensor op's
 * gradient through tfjs.
 */

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

function gaussianRows(n: number, d: number, seed: number, scale = 1): Float64Array {
  const rng = mulberry32(seed);
  return Float64Array.from({ length: n * d }, () => scale * normal(rng));
}

function sphereRows(n: number, d: number, seed: number): Float64Array {
  const z = gaussianRows(n, d, seed);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += z[i * d + k] ** 2;
    for (let k = 0; k < d; k++) z[i * d + k] /= Math.sqrt(s);
  }
  return z;
}

/** ω² = ∫(F_m(x) − F(x))² dF(x) = ∫₀¹ (F_m(Q(u)) − u)² du, by the midpoint rule in u. */
function omegaSquaredByQuadrature(x: Float64Array, quantile: (u: number) => number): number {
  const sorted = Float64Array.from(x).sort();
  const steps = 200_000;
  let sum = 0;
  let below = 0;
  for (let s = 0; s < steps; s++) {
    const u = (s + 0.5) / steps;
    const q = quantile(u);
    while (below < sorted.length && sorted[below] <= q) below++;
    sum += (below / sorted.length - u) ** 2;
  }
  return sum / steps;
}

describe('the cdf objective', () => {
  it('equals a direct integration of (F_m − F)² for the radii and the pairs (Gaussian prior)', () => {
    const n = 9;
    const d = 4;
    // Codes too wide for the prior: both terms are far from their null size.
    const z = gaussianRows(n, d, 3, 1.6);
    const radii = Float64Array.from({ length: n }, (_, i) =>
      Math.hypot(...z.subarray(i * d, (i + 1) * d)),
    );
    const pairs: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (z[i * d + k] - z[j * d + k]) ** 2;
        pairs.push(Math.sqrt(s));
      }
    const direct =
      n *
      (omegaSquaredByQuadrature(radii, (u) => chiQuantile(u, d)) +
        omegaSquaredByQuadrature(Float64Array.from(pairs), (u) => Math.SQRT2 * chiQuantile(u, d)));
    const { value } = cdfDivergence(z, n, d, 'gaussian');
    expect(value).toBeCloseTo(direct, 4);
    expect(value).toBeGreaterThan(1);
  });

  it('on the sphere compares only the inner products with the sphere’s marginal law', () => {
    const n = 8;
    const d = 3;
    const z = sphereRows(n, d, 5);
    // Every code in one hemisphere's cap: inner products crowd near 1.
    for (let i = 0; i < n; i++) z[i * d + 2] = Math.abs(z[i * d + 2]) + 2;
    for (let i = 0; i < n; i++) {
      const len = Math.hypot(...z.subarray(i * d, (i + 1) * d));
      for (let k = 0; k < d; k++) z[i * d + k] /= len;
    }
    const dots: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += z[i * d + k] * z[j * d + k];
        dots.push(s);
      }
    // In d = 3 the inner product is uniform on [−1, 1]: Q(u) = 2u − 1.
    expect(sphereMarginalCdf(0.3, 3)).toBeCloseTo(0.65, 12);
    const direct = n * omegaSquaredByQuadrature(Float64Array.from(dots), (u) => 2 * u - 1);
    expect(cdfDivergence(z, n, d, 'sphere').value).toBeCloseTo(direct, 4);
  });

  it('has the gradient of central finite differences (Gaussian and sphere priors)', () => {
    for (const [prior, d, z] of [
      ['gaussian', 3, gaussianRows(7, 3, 11, 1.3)],
      ['gaussian', 10, gaussianRows(6, 10, 12, 0.7)],
      ['sphere', 4, sphereRows(7, 4, 13)],
    ] as const) {
      const n = z.length / d;
      const { gradient } = cdfDivergence(z, n, d, prior);
      const h = 1e-6;
      for (let k = 0; k < z.length; k++) {
        const up = Float64Array.from(z);
        const down = Float64Array.from(z);
        up[k] += h;
        down[k] -= h;
        const numeric =
          (cdfDivergence(up, n, d, prior).value - cdfDivergence(down, n, d, prior).value) / (2 * h);
        expect(gradient[k], `${prior} d=${d} component ${k}`).toBeCloseTo(numeric, 6);
      }
    }
  });

  it('is about 1/6 per term for values that follow the law (the W² statistic’s null mean)', () => {
    const rng = mulberry32(21);
    const d = 6;
    const m = 64;
    let total = 0;
    const batches = 400;
    for (let b = 0; b < batches; b++) {
      const radii = Float64Array.from({ length: m }, () => {
        let s = 0;
        for (let k = 0; k < d; k++) s += normal(rng) ** 2;
        return Math.sqrt(s);
      });
      total +=
        m *
        cramerVonMises(
          radii,
          (r) => chiCdf(r, d),
          () => 0,
          new Float64Array(m),
        );
    }
    // E[W²] = 1/6 exactly for any m; the mean of 400 has a standard error of about 0.01.
    expect(total / batches).toBeCloseTo(1 / 6, 1);
  });

  it('uses the chi law of the reference values (scipy)', () => {
    for (const { d, r, value } of loadReference().chi_cdf)
      expect(chiCdf(r, d)).toBeCloseTo(value, 10);
  });

  it('as a tfjs op: the same value, and the gradient through a tensor graph', () => {
    const n = 6;
    const d = 3;
    const z = gaussianRows(n, d, 31, 1.2);
    const { value, gradient } = cdfDivergence(Float32Array.from(z), n, d, 'gaussian');
    tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(z), [n, d]);
      expect(cdfDivergenceTensor(x, 'gaussian').dataSync()[0]).toBeCloseTo(value, 4);
      // Through a scaling: ∂/∂x of D(2x) = 2·∇D(2x).
      const g = tf.grad((t: tf.Tensor) =>
        cdfDivergenceTensor(tf.mul(t, 2) as tf.Tensor2D, 'gaussian'),
      )(tf.div(x, 2));
      const got = g.dataSync();
      for (let k = 0; k < got.length; k++) expect(got[k]).toBeCloseTo(2 * gradient[k], 3);
    });
  });
});
