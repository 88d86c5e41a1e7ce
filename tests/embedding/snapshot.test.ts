import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmbeddingModel } from '../../src-main/engine/embedding/embedding-model';
import { importEmbedding } from '../../src-main/engine/embedding/import';
import { openModel } from '../../src-main/engine/io/open-model';
import { embeddingCoverage, embeddingSnapshot } from '../../src-main/host/inference/embedding';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import { tempDir } from '../engine/helpers';

/** An embedding of n points in 2 dimensions with the given metadata TSV, opened. */
async function embedding(n: number, metadata: string): Promise<EmbeddingModel> {
  const dir = tempDir('atlas-emb-snap-');
  const vectors = Float32Array.from({ length: n * 2 }, (_, i) => i);
  writeFileSync(path.join(dir, 'v.npy'), encodeNpy(vectors, [n, 2]));
  writeFileSync(path.join(dir, 'm.tsv'), metadata);
  await importEmbedding(
    { vectors: path.join(dir, 'v.npy'), metadata: path.join(dir, 'm.tsv') },
    path.join(dir, 'out'),
    'e',
  );
  return (await openModel(path.join(dir, 'out'))).model as EmbeddingModel;
}

describe("an embedding's cloud", () => {
  it('serves the first points with only the categories they use, in the same order', async () => {
    const model = await embedding(4, 'word\tscore\nzebra\t1\napple\t\nmango\t3\napple\t4\n');
    const cloud = await embeddingSnapshot(model, 2);
    expect(cloud).toMatchObject({ n: 2, dim: 2, labels: null, split: 'all' });
    expect(Array.from(cloud.means)).toEqual([0, 1, 2, 3]);
    const [word, score] = cloud.metadata!;
    expect(word).toMatchObject({ name: 'word', kind: 'category', categories: ['apple', 'zebra'] });
    expect(word.kind === 'category' && Array.from(word.codes)).toEqual([1, 0]);
    expect(score.kind === 'number' && Array.from(score.values)).toEqual([1, NaN]);
    const whole = await embeddingSnapshot(model, 100);
    expect(whole.n).toBe(4);
    const all = whole.metadata![0];
    expect(all.kind === 'category' && all.categories).toEqual(['apple', 'mango', 'zebra']);
  });

  it('takes a label column of classes as the labels: whole numbers, or a few categories', async () => {
    const numbers = await embeddingSnapshot(await embedding(3, 'label\tx\n2\ta\n0\tb\n7\tc\n'), 10);
    expect(Array.from(numbers.labels!)).toEqual([2, 0, 7]);
    expect(numbers.labelNames).toBeNull();
    const names = await embeddingSnapshot(await embedding(3, 'cat\ndog\ncat\n'), 10);
    expect(Array.from(names.labels!)).toEqual([0, 1, 0]);
    expect(names.labelNames).toEqual(['cat', 'dog']);
    // Not classes: fractions, or a missing value.
    expect(
      (await embeddingSnapshot(await embedding(2, 'label\tx\n0.5\ta\n1\tb\n'), 9)).labels,
    ).toBeNull();
    expect(
      (await embeddingSnapshot(await embedding(2, 'label\tx\ncat\ta\n\tb\n'), 9)).labels,
    ).toBeNull();
  });

  it('reports coverage on evenly spaced vectors against N(0, I), saying it has no prior', async () => {
    const model = await embedding(400, 'k\n'.repeat(400));
    const { report, n, dim } = await embeddingCoverage(model, 100, 0);
    expect([n, dim]).toEqual([100, 2]);
    expect(report.prior).toBe('gaussian');
    expect(report.warnings.at(-1)).toMatch(/no prior of its own/);
  });
});
