import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingModel } from '../../src-main/engine/embedding/embedding-model';
import { importEmbedding } from '../../src-main/engine/embedding/import';
import { embeddingItems, labelsOf } from '../../src-main/engine/embedding/items';
import { openEmbedding } from '../../src-main/engine/embedding/open';
import { writeSelection } from '../../src-main/engine/io/attribute-vectors';
import { readNpy } from '../../src-main/engine/io/npy';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import { tempDir } from '../engine/helpers';
import { cli } from '../cli/run-cli';

/**
 * attribute and analogy on an imported embedding: its vectors are the codes (nothing encoded),
 * its `label` column the labels, its numeric columns the factors; traverse is refused (no
 * decoder), and so are --data and --split (it reads no dataset, and has no split).
 */

const last = (r: ReturnType<typeof cli>) => r.lines.at(-1)!;

function expectOneLineError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^latent-atlas: /);
  expect(lines[0]).toMatch(pattern);
}

// Eight points in 3-D. Label 1 is label 0 moved by (1, 2, 2) = 3·u along u = (1, 2, 2)/3, each
// point also off the line by c·w, w = (0, 1, −1) ⟂ u, the same offsets in both groups; so the
// positions along the vector are s − mean(s of label 0): label 0 at s = 0, 1, 2, 6 and label 1 at
// s = 3, 4, 5, 9. Pairs with label 1 above label 0: 3 + 3 + 3 + 4 = 13 of 16, AUC 13/16.
const S = [0, 1, 2, 6, 3, 4, 5, 9];
const C = [0, 1, -1, 2, 0, 1, -1, 2];
const LABEL = [0, 0, 0, 0, 1, 1, 1, 1];
const KIND = ['ash', 'elm', 'oak', 'yew', 'ash', 'elm', 'oak', 'yew'];
const point = (r: number) => [S[r] / 3, (2 * S[r]) / 3 + C[r], (2 * S[r]) / 3 - C[r]];

/** Mean of the float32 rows `to` minus that of rows `from`. */
function meanDifference(data: Float32Array, d: number, from: number[], to: number[]): number[] {
  const mean = (rows: number[]) =>
    Array.from(
      { length: d },
      (_, j) => rows.reduce((s, r) => s + data[r * d + j], 0) / rows.length,
    );
  const a = mean(from);
  const b = mean(to);
  return b.map((x, j) => x - a[j]);
}

/** AUC by counting pairs: the positions along `v` of rows `to` above those of rows `from`. */
function pairAuc(data: Float32Array, d: number, v: number[], from: number[], to: number[]): number {
  const along = (r: number) => v.reduce((s, x, j) => s + x * data[r * d + j], 0);
  let wins = 0;
  for (const f of from)
    for (const t of to) wins += along(t) > along(f) ? 1 : along(t) === along(f) ? 0.5 : 0;
  return wins / (from.length * to.length);
}

async function makeEmbedding(
  work: string,
  name: string,
  rows: number[][],
  tsv: string[],
): Promise<string> {
  const d = rows[0].length;
  const vectors = path.join(work, `${name}.npy`);
  writeFileSync(vectors, encodeNpy(Float32Array.from(rows.flat()), [rows.length, d]));
  const metadata = path.join(work, `${name}.tsv`);
  writeFileSync(metadata, tsv.join('\n') + '\n');
  const dir = path.join(work, name);
  await importEmbedding({ vectors, metadata }, dir, name);
  return dir;
}

describe('attribute / analogy / traverse on an imported embedding', () => {
  const work = tempDir('atlas-cartography-emb-');
  const at = (file: string) => path.join(work, file);
  let groups = '';
  let words = '';
  let vectors: Float32Array = new Float32Array();

  beforeAll(async () => {
    groups = await makeEmbedding(
      work,
      'groups',
      S.map((_, r) => point(r)),
      ['label\tsize\tkind', ...S.map((s, r) => `${LABEL[r]}\t${s}\t${KIND[r]}`)],
    );
    vectors = (await readNpy(path.join(groups, 'vectors.npy'))).data as Float32Array;
    // king − man + woman lands exactly on queen; one point half a unit from it, one far away.
    words = await makeEmbedding(
      work,
      'words',
      [
        [0, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 0.5],
        [5, 5, 5],
      ],
      ['label\tgender', 'man\tm', 'woman\tf', 'king\tm', 'queen\tf', 'princess\tf', 'castle\t'],
    );
  });

  it('gives the items of an embedding: its vectors, its label column, its numeric columns', async () => {
    const { model } = await openEmbedding(groups);
    const items = await embeddingItems(model);
    expect(items.count).toBe(8);
    expect(Array.from(items.batch([5, 2]))).toEqual([
      ...vectors.subarray(15, 18),
      ...vectors.subarray(6, 9),
    ]);
    expect(Array.from(items.labels!)).toEqual(LABEL);
    expect(items.factors!.names).toEqual(['label', 'size']);
    expect(Array.from(items.factors!.values.subarray(0, 4))).toEqual([0, 0, 0, 1]);
    const first = await embeddingItems(model, 3);
    expect(first.count).toBe(3);
    expect(() => first.batch([3])).toThrow(/beyond the 3 points/);
    const { model: w } = await openEmbedding(words);
    expect(w).toBeInstanceOf(EmbeddingModel);
    const labelled = labelsOf(await w.metadata());
    expect(labelled.labelNames).toHaveLength(6);
    expect(labelsOf([]).why).toMatch(/no metadata column "label"/);
  });

  it('attribute: the vector is the mean difference of the vectors, with the AUC counted by hand; --save keeps it with the embedding', async () => {
    const made = cli(
      'attribute',
      groups,
      '--from',
      'label:0',
      '--to',
      'label:1',
      '--out',
      at('shift.npy'),
      '--save',
      'shift',
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
    const record = last(made);
    expect(record).toMatchObject({
      name: 'shift',
      sphere: false,
      dim: 3,
      from: { group: 'label:0', description: 'label 0', n: 4 },
      to: { group: 'label:1', description: 'label 1', n: 4 },
      data: { spec: 'embedding', split: 'all', count: 8 },
      saved: path.join(groups, 'vectors', 'shift.npy'),
    });
    expect(record.auc).toBeCloseTo(13 / 16, 12);
    const expected = meanDifference(vectors, 3, [0, 1, 2, 3], [4, 5, 6, 7]);
    const v = Array.from((await readNpy(at('shift.npy'))).data as Float32Array);
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(v[j] - expected[j])).toBeLessThan(1e-6);
      expect(v[j]).toBeCloseTo([1, 2, 2][j], 5);
    }
    expect(pairAuc(vectors, 3, v, [0, 1, 2, 3], [4, 5, 6, 7])).toBe(13 / 16);
    expect(record.length).toBeCloseTo(3, 5);
    const base = Array.from((await readNpy(at('shift.base.npy'))).data as Float32Array);
    expect(base[0]).toBeCloseTo(S.slice(0, 4).reduce((a, b) => a + b) / 4 / 3, 5);
    // Saved with the embedding, where the page lists it.
    const index = JSON.parse(readFileSync(path.join(groups, 'vectors/index.json'), 'utf8'));
    expect(index.vectors.map((x: { name: string }) => x.name)).toEqual(['shift']);
    expect(index.vectors[0]).toMatchObject({ dim: 3, data: { spec: 'embedding', split: 'all' } });
    const saved = Array.from(
      (await readNpy(path.join(groups, 'vectors/shift.npy'))).data as Float32Array,
    );
    expect(saved).toEqual(v);
    // The people's line.
    const human = cli(
      'attribute',
      groups,
      '--from',
      'label:0',
      '--to',
      'rest',
      '--out',
      at('r.npy'),
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /^label 0 \(n = 4\) → every item but label 0 \(n = 4\): AUC 0\.813, length 3\.000 latent units\n/,
    );
    const rest = Array.from((await readNpy(at('r.npy'))).data as Float32Array);
    expect(rest).toEqual(v);
  });

  it('attribute: factor: over a numeric column, and selection: saved with the embedding', async () => {
    const made = cli(
      'attribute',
      groups,
      '--from',
      'factor:size<3',
      '--to',
      'factor:size>=3',
      '--out',
      at('size.npy'),
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
    const small = [0, 1, 2];
    const large = [3, 4, 5, 6, 7];
    expect(last(made)).toMatchObject({
      from: { description: 'size < 3', n: 3 },
      to: { description: 'size >= 3', n: 5 },
    });
    const expected = meanDifference(vectors, 3, small, large);
    const v = Array.from((await readNpy(at('size.npy'))).data as Float32Array);
    for (let j = 0; j < 3; j++) expect(Math.abs(v[j] - expected[j])).toBeLessThan(1e-6);
    expect(last(made).auc).toBeCloseTo(pairAuc(vectors, 3, v, small, large), 12);

    // The page saves an embedding's selections as of its one set of points (split all).
    await writeSelection(groups, 'left', [0, 3, 4], { split: 'all' });
    await writeSelection(groups, 'right', [7, 6, 1], { split: 'all' });
    const picked = cli(
      'attribute',
      groups,
      '--from',
      'selection:left',
      '--to',
      'selection:right',
      '--out',
      at('picked.npy'),
      '--json',
    );
    expect(picked.code, picked.stderr).toBe(0);
    expect(last(picked)).toMatchObject({
      from: { description: 'selection left', n: 3 },
      to: { description: 'selection right', n: 3 },
    });
    const expectedPicked = meanDifference(vectors, 3, [0, 3, 4], [1, 6, 7]);
    const p = Array.from((await readNpy(at('picked.npy'))).data as Float32Array);
    for (let j = 0; j < 3; j++) expect(Math.abs(p[j] - expectedPicked[j])).toBeLessThan(1e-6);
  });

  it('refuses --data, --split, a category column as a factor, other splits’ selections, and traverse, in one line', async () => {
    const base = [
      'attribute',
      groups,
      '--from',
      'label:0',
      '--to',
      'label:1',
      '--out',
      at('x.npy'),
    ];
    expectOneLineError(
      cli(...base, '--data', 'mnist'),
      /--data mnist: an imported embedding reads no dataset: its items are its own points/,
    );
    expectOneLineError(
      cli(...base, '--split', 'test'),
      /--split test: an imported embedding has no train\/test split/,
    );
    expectOneLineError(
      cli('attribute', groups, '--from', 'factor:kind=1', '--to', 'rest', '--out', at('x.npy')),
      /the "kind" column of embedding "groups" holds categories, and factor: compares numbers \(its numeric columns are label, size\)/,
    );
    await writeSelection(groups, 'tested', [0, 1], { split: 'test' });
    expectOneLineError(
      cli('attribute', groups, '--from', 'selection:tested', '--to', 'rest', '--out', at('x.npy')),
      /tested\.npy: its indices number the items of a test split, but an imported embedding has one set of points/,
    );
    expectOneLineError(
      cli('traverse', groups, '--dim', '0', '--out', at('t.png')),
      /^latent-atlas: traverse draws the decoded images along a direction, and an imported embedding has no decoder: its points are given vectors/,
    );
    // A model that decodes still needs --out for its grid.
    expectOneLineError(
      cli(
        'analogy',
        path.resolve('resources/demo/shapes-gaussian-6'),
        '--a',
        'item:1',
        '--b',
        'item:2',
        '--c',
        'item:3',
      ),
      /required option '--out <file>' not specified/,
    );
    expect(existsSync(at('x.npy'))).toBe(false);
    expect(existsSync(at('t.png'))).toBe(false);
  });

  it('analogy: the points nearest to c + (a − b), a, b and c left out', async () => {
    const byItem = cli(
      'analogy',
      words,
      '--a',
      'item:2',
      '--b',
      'item:0',
      '--c',
      'item:1',
      '--latents',
      at('queen.npy'),
      '--json',
    );
    expect(byItem.code, byItem.stderr).toBe(0);
    const answer = last(byItem);
    expect(answer).toMatchObject({ amount: 1, excluded: 3, sphere: false, metric: 'euclidean' });
    const result = answer.result as {
      index: number;
      distance: number;
      labelName: string;
      metadata: Record<string, unknown>;
    }[];
    expect(result.map((r) => r.index)).toEqual([3, 4, 5]);
    expect(result[0]).toMatchObject({
      index: 3,
      distance: 0,
      labelName: 'queen',
      metadata: { label: 'queen', gender: 'f' },
    });
    expect(result[1].distance).toBeCloseTo(0.5, 6);
    expect(result[2].metadata).toEqual({ label: 'castle', gender: null });
    expect(Array.from((await readNpy(at('queen.npy'))).data as Float32Array)).toEqual([1, 1, 0]);

    // By label names, and for people.
    const byLabel = cli(
      'analogy',
      words,
      '--a',
      'label:king',
      '--b',
      'label:man',
      '--c',
      'label:woman',
      '--top',
      '1',
    );
    expect(byLabel.code, byLabel.stderr).toBe(0);
    const lines = byLabel.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^the point of embedding "words" nearest to c \+ 1\.00·\(a − b\)/);
    expect(lines[1]).toMatch(/^1\. item:3 +distance 0\.0000 +label \d \(queen\) +gender=f$/);
    expect(lines).toHaveLength(2);

    expectOneLineError(
      cli(
        'analogy',
        words,
        '--a',
        'item:2',
        '--b',
        'item:0',
        '--c',
        'item:1',
        '--out',
        at('a.png'),
      ),
      /--out .*a\.png: an imported embedding has no decoder: its points are given vectors, so there is no image to write/,
    );
  });
});
