import { describe, expect, it } from 'vitest';
import { isOrthonormal } from '../../../src-main/shared/maths/linalg';
import { createRng, uniformOnSphere } from '../../../src-renderer/lib/rng';
import {
  activityFromLatents,
  orderByActivity,
  sphereExp,
  sphereTangentBasis,
  variations,
} from '../../../src-renderer/lib/decoding/traversal';

describe('slider order', () => {
  it('puts active dimensions first, by descending variance', () => {
    const rng = createRng(1);
    const n = 2000;
    const stds = [0.05, 2, 0.001, 1];
    const data = Float32Array.from({ length: n * 4 }, (_, i) => stds[i % 4] * rng.normal());
    const order = orderByActivity(activityFromLatents(data, n, 4));
    expect(order.map((o) => o.index)).toEqual([1, 3, 0, 2]);
    expect(order.map((o) => o.active)).toEqual([true, true, false, false]);
  });

  it('orders by KL per dimension when given', () => {
    const data = new Float32Array([0, 0, 1, 1, 2, 2]);
    const order = orderByActivity(activityFromLatents(data, 3, 2, [0.1, 3]));
    expect(order[0].index).toBe(1);
  });
});

describe('sphere sliders', () => {
  it('turn the point along great circles and keep it on the sphere', () => {
    const d = 6;
    const rng = createRng(2);
    const z0 = uniformOnSphere(rng, d);
    const t = sphereTangentBasis(z0, [3, 0, 1, 2, 4, 5]);
    // Tangent basis: d − 1 orthonormal columns, each orthogonal to z0.
    expect(isOrthonormal(t, d, d - 1, 1e-9)).toBe(true);
    for (let c = 0; c < d - 1; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += t[i * (d - 1) + c] * z0[i];
      expect(s).toBeCloseTo(0, 10);
    }
    // One slider: the angle to z0 equals the slider value (a great circle through z0).
    const angles = new Float64Array(d - 1);
    for (const a of [0.1, 1, 2.5]) {
      angles[0] = a;
      const z = sphereExp(z0, t, angles);
      expect(Math.hypot(...z)).toBeCloseTo(1, 12);
      let cos = 0;
      for (let i = 0; i < d; i++) cos += z[i] * z0[i];
      expect(Math.acos(Math.min(1, cos))).toBeCloseTo(a, 9);
    }
    // Several sliders at once: still on the sphere.
    const z = sphereExp(z0, t, [0.3, -1, 2, 0.5, 0.1]);
    expect(Math.hypot(...z)).toBeCloseTo(1, 12);
    // Zero angles return z0.
    const same = sphereExp(z0, t, new Float64Array(d - 1));
    for (let i = 0; i < d; i++) expect(same[i]).toBeCloseTo(z0[i], 12);
  });

  it('variations stay on the sphere within the radius', () => {
    const rng = createRng(3);
    const z = uniformOnSphere(rng, 5);
    const v = variations(z, 0.4, 20, true, rng);
    for (let c = 0; c < 20; c++) {
      const row = v.subarray(c * 5, c * 5 + 5);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      let cos = 0;
      for (let i = 0; i < 5; i++) cos += row[i] * z[i];
      expect(Math.acos(Math.min(1, cos))).toBeLessThanOrEqual(0.4 + 1e-5);
    }
  });
});
