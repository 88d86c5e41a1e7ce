import { describe, expect, it } from 'vitest';
import { createRng, uniformOnSphere } from '../../../src-renderer/lib/rng';
import { Projector } from '../../../src-renderer/viewer/projector';

function cloud(n: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, (_, i) => rng.normal() * (1 + (i % d) * 0.5));
}

/** Mean distance between matching points of two position sets. */
function displacement(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length / 3; i++)
    s += Math.hypot(a[i * 3] - b[i * 3], a[i * 3 + 1] - b[i * 3 + 1], a[i * 3 + 2] - b[i * 3 + 2]);
  return s / (a.length / 3);
}

describe('Projector', () => {
  const n = 400;
  const d = 8;

  it('aligns a live update to the previous projection (Procrustes), so the cloud does not jump', () => {
    const means = cloud(n, d, 1);
    const p = new Projector();
    const first = p.update({ means, n, dim: d }, 'pca', {
      live: false,
      spherical: false,
    }).positions!;
    // The next epoch: the same points, slightly moved, with the latent axes permuted and flipped
    // (PCA's basis then flips and swaps too).
    const rng = createRng(2);
    const next = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++)
        next[r * d + i] = -means[r * d + ((i + 3) % d)] + 0.02 * rng.normal();
    }
    const aligned = new Projector();
    aligned.update({ means, n, dim: d }, 'pca', { live: false, spherical: false });
    const live = aligned.update({ means: next, n, dim: d }, 'pca', {
      live: true,
      spherical: false,
    });
    expect(live.transition).toBe(true);
    const raw = new Projector().update({ means: next, n, dim: d }, 'pca', {
      live: false,
      spherical: false,
    }).positions!;
    expect(displacement(live.positions!, first)).toBeLessThan(0.1);
    expect(displacement(live.positions!, first)).toBeLessThan(displacement(raw, first));
    // And the inverse still matches the (rotated) view.
    const y = [0.3, -0.2, 0.5];
    const z = aligned.unproject(y)!;
    const back = aligned.update({ means: next, n, dim: d }, 'pca', {
      live: false,
      spherical: false,
    });
    expect(back.positions).not.toBeNull();
    expect(z.length).toBe(d);
  });

  it('sphere latents: positions on S² and decode-anywhere lands on S^{d−1}', () => {
    const rng = createRng(3);
    const means = new Float32Array(n * d);
    for (let r = 0; r < n; r++) means.set(uniformOnSphere(rng, d), r * d);
    const p = new Projector();
    const { positions } = p.update({ means, n, dim: d }, 'sphere', {
      live: false,
      spherical: true,
    });
    for (let r = 0; r < n; r++)
      expect(
        Math.hypot(positions![r * 3], positions![r * 3 + 1], positions![r * 3 + 2]),
      ).toBeCloseTo(1, 5);
    const z = p.unproject([0.2, 0.9, -0.1])!;
    expect(Math.hypot(...z)).toBeCloseTo(1, 9);
  });

  it('asks for UMAP, then maps clicks back through the nearest embedded points', () => {
    const means = cloud(n, d, 4);
    const data = { means, n, dim: d };
    const p = new Projector();
    expect(p.update(data, 'umap', { live: false, spherical: false }).needsUmap).toBe(true);
    const embedding = Float32Array.from(
      { length: n * 3 },
      (_, i) => means[Math.floor(i / 3) * d + (i % 3)],
    );
    p.setUmap(data, embedding, false);
    expect(p.hasUmapFor(data)).toBe(true);
    expect(p.update(data, 'umap', { live: false, spherical: false }).needsUmap).toBe(false);
    // Clicking exactly on point 5 decodes (close to) its latent.
    const z = p.unproject(embedding.subarray(15, 18))!;
    for (let i = 0; i < d; i++) expect(z[i]).toBeCloseTo(means[5 * d + i], 1);
    // Hole centres are placed at their nearest data point.
    const holes = p.projectLatents([Array.from(means.subarray(7 * d, 8 * d))]);
    expect(Array.from(holes)).toEqual(Array.from(embedding.subarray(21, 24)));
  });

  it('the grand tour moves smoothly and keeps the inverse consistent', () => {
    const means = cloud(n, d, 5);
    const p = new Projector();
    const start = Float32Array.from(
      p.update({ means, n, dim: d }, 'tour', { live: false, spherical: false }).positions!,
    );
    const next = p.tourStep(1 / 60)!;
    expect(displacement(next, start)).toBeGreaterThan(0);
    expect(displacement(next, start)).toBeLessThan(0.1);
    const y = [0.5, 0.1, -0.4];
    const z = p.unproject(y)!;
    // project(unproject(y)) = y for the tour's current (linear) view.
    const view = p.view!;
    let y0 = 0;
    for (let i = 0; i < d; i++) y0 += (z[i] - view.origin[i]) * view.frame[i * 3];
    expect(y0 + view.offset[0]).toBeCloseTo(0.5, 9);
  });
});
