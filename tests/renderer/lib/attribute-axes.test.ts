import { describe, expect, it } from 'vitest';
import { attributeAxesView } from '../../../src-renderer/lib/projection/attribute-axes';
import { pca } from '../../../src-renderer/lib/projection/pca';
import { project, projectAll, unproject } from '../../../src-renderer/lib/projection/projection';
import { createRng } from '../../../src-renderer/lib/rng';
import { Projector } from '../../../src-renderer/viewer/projector';

/**
 * The attribute-axes view (Latent Space Cartography's custom axes): each chosen axis reads a
 * point's projection on its unit vector from the data mean, the axes left over are the residual's
 * principal directions, and decoding a spot of the view maps back exactly on the span it shows.
 */

const d = 6;
const n = 500;

function cloud(seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, (_, i) => rng.normal() * (1 + (i % d)));
}

function columnMean(data: Float32Array): Float64Array {
  const m = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) m[i] += data[r * d + i] / n;
  return m;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('attributeAxesView', () => {
  const data = cloud(3);
  const mean = columnMean(data);
  // Two vectors 60° apart (not perpendicular) and of different lengths.
  const smile = [2, 0, 0, 0, 0, 0];
  const bold = [0.5, Math.sqrt(3) / 2, 0, 0, 0, 0].map((v) => 3 * v);

  it('reads each axis as the projection on its unit vector, from the data mean', () => {
    const { view, angles } = attributeAxesView(data, n, d, [
      { name: 'smile', vector: smile },
      { name: 'bold', vector: bold },
    ]);
    expect(angles).toHaveLength(1);
    expect(angles[0][2]).toBeCloseTo(60, 9);
    const positions = projectAll(view, data, n);
    for (const r of [0, 17, 499]) {
      const x = Array.from(data.subarray(r * d, (r + 1) * d), (v, i) => v - mean[i]);
      expect(positions[r * 3]).toBeCloseTo(dot(x, smile) / 2, 4);
      expect(positions[r * 3 + 1]).toBeCloseTo(dot(x, bold) / 3, 4);
    }
  });

  it('takes the remaining axes from the PCA of what the vectors leave', () => {
    const { view, residualExplained } = attributeAxesView(data, n, d, [
      { name: 'smile', vector: smile },
    ]);
    // The residual of the first axis, by hand: zero its first coordinate (smile ∝ e1).
    const residual = Float32Array.from(data, (v, i) => (i % d === 0 ? mean[0] : v));
    const rest = pca(residual, n, d, { k: 2 });
    for (let j = 0; j < 2; j++) {
      const column = Array.from({ length: d }, (_, i) => view.frame[i * 3 + 1 + j]);
      const want = Array.from({ length: d }, (_, i) => rest.basis[i * 2 + j]);
      expect(Math.abs(dot(column, want))).toBeCloseTo(1, 9);
      expect(column[0]).toBeCloseTo(0, 12);
    }
    expect(residualExplained).toBeCloseTo(rest.explained[0] + rest.explained[1], 6);
  });

  it('maps a spot of the view back to a code that projects onto it (non-perpendicular axes)', () => {
    const third = [0.3, 0.2, 1, 0.1, 0, 0];
    const { view } = attributeAxesView(data, n, d, [
      { name: 'smile', vector: smile },
      { name: 'bold', vector: bold },
      { name: 'third', vector: third },
    ]);
    for (const y of [
      [0, 0, 0],
      [1.5, -0.7, 2.2],
      [-3, 4, 0.5],
    ]) {
      const z = unproject(view, y);
      const back = project(view, z);
      y.forEach((v, k) => expect(back[k]).toBeCloseTo(v, 9));
      // The minimal-norm preimage: z − mean lies in the vectors' span.
      const offset = Array.from(z, (v, i) => v - mean[i]);
      expect(offset[4]).toBeCloseTo(0, 9);
      expect(offset[5]).toBeCloseTo(0, 9);
    }
  });

  it('refuses nearly parallel vectors, a wrong length and a zero vector, by name', () => {
    expect(() =>
      attributeAxesView(data, n, d, [
        { name: 'a', vector: smile },
        { name: 'b', vector: [1, 0.01, 0, 0, 0, 0] },
      ]),
    ).toThrow(/"a" and "b" are 0\.6° apart/);
    expect(() => attributeAxesView(data, n, d, [{ name: 'short', vector: [1, 2] }])).toThrow(
      /"short" has 2 components; the codes have 6/,
    );
    expect(() =>
      attributeAxesView(data, n, d, [{ name: 'zero', vector: new Array(d).fill(0) }]),
    ).toThrow(/"zero" has no direction/);
    expect(() => attributeAxesView(data, n, d, [])).toThrow(/one to three/);
  });
});

describe('Projector in the attribute-axes mode', () => {
  const data = cloud(5);
  const set = { means: data, n, dim: d };

  it('draws the chosen axes, glides when they change, and shows PCA with the reason when it cannot', () => {
    const p = new Projector();
    p.update(set, 'pca', { live: false, spherical: false });
    const smile = { name: 'smile', vector: [0, 1, 0, 0, 0, 0] };
    const up = p.update(set, 'attributes', { live: false, spherical: false, axes: [smile] });
    expect(p.axesError).toBeNull();
    expect(up.transition).toBe(true);
    const mean = columnMean(data);
    expect(up.positions![3 * 7]).toBeCloseTo(data[7 * d + 1] - mean[1], 4);
    // Another axis set on the same points glides too.
    const other = { name: 'other', vector: [0, 0, 0, 1, 0, 0] };
    expect(
      p.update(set, 'attributes', { live: false, spherical: false, axes: [smile, other] })
        .transition,
    ).toBe(true);
    expect(p.axesInfo?.angles[0][2]).toBeCloseTo(90, 9);
    // Parallel axes: PCA meanwhile, and why.
    const twin = { name: 'twin', vector: [0, 2, 0, 0, 0, 0] };
    p.update(set, 'attributes', { live: false, spherical: false, axes: [smile, twin] });
    expect(p.axesError).toMatch(/"smile" and "twin" are 0\.0° apart.*\(PCA until then\)/);
    // No vector chosen.
    p.update(set, 'attributes', { live: false, spherical: false, axes: [] });
    expect(p.axesError).toMatch(/Choose a saved attribute vector/);
  });
});
