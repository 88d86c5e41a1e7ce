import { describe, expect, it } from 'vitest';
import { runTsne, TSNE_MAX } from '../../../src-renderer/lib/projection/tsne-run';
import { handleProjectionRequest } from '../../../src-renderer/viewer/projection-handler';
import type { ProjectionResponse } from '../../../src-renderer/viewer/projection-protocol';
import { PROJECTIONS } from '../../../src-renderer/stores/viewer.svelte';

/** Three well-separated Gaussian blobs in 8 dimensions, `per` points each. */
function blobs(per: number, d = 8): Float32Array {
  const x = new Float32Array(per * 3 * d);
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  for (let i = 0; i < per * 3; i++)
    for (let j = 0; j < d; j++) x[i * d + j] = (j === i % 3 ? 10 : 0) + rand();
  return x;
}

describe('t-SNE worker protocol', () => {
  it('posts progress with partial embeddings, then the n × 3 result, all with its id', () => {
    const n = 60;
    const messages: ProjectionResponse[] = [];
    handleProjectionRequest(
      runTsne,
      { id: 7, data: blobs(20), n, d: 8, options: { iterations: 100 } },
      (m) => messages.push(m),
    );
    expect(messages.every((m) => m.id === 7)).toBe(true);
    const last = messages[messages.length - 1];
    expect(last.type).toBe('done');
    if (last.type !== 'done') return;
    expect(last.embedding.length).toBe(n * 3);
    expect(last.embedding.every(Number.isFinite)).toBe(true);
    const progress = messages.filter((m) => m.type === 'progress');
    expect(progress.length).toBeGreaterThan(5);
    const partials = progress.filter((m) => m.type === 'progress' && m.embedding);
    expect(partials.length).toBe(9);
    for (const m of partials) if (m.type === 'progress') expect(m.embedding!.length).toBe(n * 3);
    // Epochs only increase and end at the total.
    const epochs = progress.map((m) => (m.type === 'progress' ? m.epoch : 0));
    expect([...epochs].sort((a, b) => a - b)).toEqual(epochs);
  });

  it('reports a failure as an error message, not a throw', () => {
    const messages: ProjectionResponse[] = [];
    handleProjectionRequest(
      runTsne,
      // No data at all: the run throws, the handler answers with an error.
      { id: 3, data: null as unknown as Float32Array, n: 5, d: 2, options: {} },
      (m) => messages.push(m),
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'error', id: 3 });
  });

  it('keeps separated clusters apart, centred at unit RMS radius, reproducibly', () => {
    const per = 30;
    const a = runTsne(blobs(per), per * 3, 8, { iterations: 300, seed: 2 });
    const b = runTsne(blobs(per), per * 3, 8, { iterations: 300, seed: 2 });
    expect(Array.from(a)).toEqual(Array.from(b));
    const n = per * 3;
    let r2 = 0;
    for (let i = 0; i < n * 3; i++) r2 += a[i] * a[i];
    expect(Math.sqrt(r2 / n)).toBeCloseTo(1, 5);
    // Every point's nearest neighbour in the embedding shares its blob.
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = Math.hypot(
          a[i * 3] - a[j * 3],
          a[i * 3 + 1] - a[j * 3 + 1],
          a[i * 3 + 2] - a[j * 3 + 2],
        );
        if (d < bestD) [best, bestD] = [j, d];
      }
      expect(best % 3).toBe(i % 3);
    }
  });

  it('is offered beside UMAP, its cap stated', () => {
    const ids = PROJECTIONS.map((p) => p.id);
    expect(ids.indexOf('tsne')).toBe(ids.indexOf('umap') + 1);
    expect(PROJECTIONS.find((p) => p.id === 'tsne')!.title).toContain('10,000');
    expect(TSNE_MAX).toBe(10000);
  });
});
