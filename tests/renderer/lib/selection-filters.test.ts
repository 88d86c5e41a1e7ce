import { describe, expect, it } from 'vitest';
import {
  compile,
  describeFilter,
  evaluate,
  parseQuery,
  QueryError,
  runQuery,
  type FilterSource,
} from '../../../src-renderer/lib/selection/filters';
import { subsetCloud } from '../../../src-renderer/lib/selection/subset';
import type { CloudData } from '../../../src-renderer/stores/cloud.svelte';
import {
  combineMasks,
  combineOf,
  gatherMask,
  indicesMask,
  maskIndices,
  spreadMask,
} from '../../../src-renderer/lib/selection/mask';

/**
 * 20 points in 2 dimensions: point i sits at (i, 0), has label i % 4 (names zero … three),
 * item index 100 + 2i, error 10i, a number column `age` = i / 2 (NaN at 7) and a category
 * column `kind` cycling cat, dog, bird (missing at 5).
 */
function cloud(): FilterSource {
  const n = 20;
  return {
    n,
    dim: 2,
    means: Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 ? 0 : k / 2)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 4),
    labelNames: ['zero', 'one', 'two', 'three'],
    errors: Float32Array.from({ length: n }, (_, i) => 10 * i),
    indices: Int32Array.from({ length: n }, (_, i) => 100 + 2 * i),
    metadata: [
      {
        name: 'age',
        kind: 'number',
        values: Float32Array.from({ length: n }, (_, i) => (i === 7 ? NaN : i / 2)),
      },
      {
        name: 'Kind',
        kind: 'category',
        codes: Int32Array.from({ length: n }, (_, i) => (i === 5 ? -1 : i % 3)),
        categories: ['cat', 'dog', 'bird'],
      },
    ],
  };
}

const pick = (text: string, source = cloud(), holes = null as Parameters<typeof runQuery>[2]) =>
  Array.from(maskIndices(runQuery(source, text, holes).mask));
const where = (f: (i: number) => boolean) => Array.from({ length: 20 }, (_, i) => i).filter(f);

describe('the search grammar', () => {
  it('reads labels, class names, index ranges, errors, metadata and holes', () => {
    expect(parseQuery('label:3')).toEqual([{ kind: 'label', values: ['3'], negate: false }]);
    expect(parseQuery('7')).toEqual([{ kind: 'label', values: ['7'], negate: false }]);
    expect(parseQuery('label != 1, 2')).toEqual([
      { kind: 'label', values: ['1', '2'], negate: true },
    ]);
    expect(parseQuery('index 100-200')).toEqual([
      { kind: 'index', of: 'point', range: { lo: 100, hi: 200, loOpen: false, hiOpen: false } },
    ]);
    expect(parseQuery('#12')[0]).toMatchObject({ kind: 'index', range: { lo: 12, hi: 12 } });
    expect(parseQuery('item 5..9')[0]).toMatchObject({ of: 'item', range: { lo: 5, hi: 9 } });
    expect(parseQuery('error > 200')).toEqual([
      { kind: 'error', range: { lo: 200, hi: Infinity, loOpen: true, hiOpen: false } },
    ]);
    expect(parseQuery('error<=1.5e2')[0]).toMatchObject({ range: { hi: 150, hiOpen: false } });
    expect(parseQuery('species=setosa,virginica')).toEqual([
      {
        kind: 'metadata',
        column: 'species',
        range: null,
        values: ['setosa', 'virginica'],
        negate: false,
      },
    ]);
    expect(parseQuery('age > 3')[0]).toMatchObject({ kind: 'metadata', range: { lo: 3 } });
    expect(parseQuery('near hole')).toEqual([{ kind: 'hole', scale: 1 }]);
    expect(parseQuery('hole:3.5')).toEqual([{ kind: 'hole', scale: 3.5 }]);
    expect(parseQuery('class:"ankle boot"')).toEqual([
      { kind: 'label', values: ['ankle boot'], negate: false },
    ]);
    expect(parseQuery('  ')).toEqual([]);
    expect(parseQuery('label:3 and error>5')).toHaveLength(2);
  });

  it('refuses what it cannot read, saying what it expected', () => {
    expect(() => parseQuery('error > lots')).toThrow(/error > N/);
    expect(() => parseQuery('#a-b')).toThrow(QueryError);
    expect(() => parseQuery('hole:-1')).toThrow(/positive/);
    expect(() => parseQuery('label>3')).toThrow(/labels take/);
  });

  it('describes filters for people', () => {
    expect(parseQuery('error > 200 index 3-9 hole').map(describeFilter)).toEqual([
      'error > 200',
      'point 3–9',
      'near a hole (1 × threshold)',
    ]);
  });
});

describe('filters over a cloud', () => {
  it('labels by code and by class name, and their negation', () => {
    expect(pick('3')).toEqual(where((i) => i % 4 === 3));
    expect(pick('label:1,two')).toEqual(where((i) => i % 4 === 1 || i % 4 === 2));
    expect(pick('THREE')).toEqual(where((i) => i % 4 === 3));
    expect(pick('label!=0')).toEqual(where((i) => i % 4 !== 0));
  });

  it('point and item index ranges', () => {
    expect(pick('index 3-6')).toEqual([3, 4, 5, 6]);
    expect(pick('#15-100')).toEqual([15, 16, 17, 18, 19]);
    expect(pick('index<2')).toEqual([0, 1]);
    expect(pick('item 104-110')).toEqual([2, 3, 4, 5]);
  });

  it('reconstruction error ranges, combined with AND', () => {
    expect(pick('error > 150')).toEqual([16, 17, 18, 19]);
    expect(pick('error 50-80')).toEqual([5, 6, 7, 8]);
    expect(pick('error >= 50 label:1')).toEqual([5, 9, 13, 17]);
  });

  it('metadata: number ranges (missing values never match) and categories', () => {
    expect(pick('age >= 3')).toEqual(where((i) => i / 2 >= 3 && i !== 7));
    expect(pick('age 1-4')).toEqual(where((i) => i >= 2 && i <= 8 && i !== 7));
    expect(pick('age=2')).toEqual([4]);
    expect(pick('age!=2')).toEqual(where((i) => i !== 4 && i !== 7));
    expect(pick('kind=dog')).toEqual(where((i) => i % 3 === 1));
    expect(pick('kind=CAT,bird')).toEqual(where((i) => i % 3 !== 1 && i !== 5));
    expect(pick('kind!=cat')).toEqual(where((i) => i % 3 !== 0 || i === 5));
  });

  it('near a hole: within (scale ×) the hole threshold of a hole centre in latent space', () => {
    const holes = {
      centers: [
        [4.2, 0],
        [15, 0.5],
      ],
      threshold: 1,
    };
    // Radius 1: 4 and 5 near the first; 15 (0.5 away) near the second.
    expect(pick('hole', cloud(), holes)).toEqual([4, 5, 15]);
    // Radius 2.5: 2…6 and 13…17 (14 and 16 are √(1+0.25) ≈ 1.1 away, 13 and 17 ≈ 2.06).
    expect(pick('hole:2.5', cloud(), holes)).toEqual([2, 3, 4, 5, 6, 13, 14, 15, 16, 17]);
  });

  it('points without labels are labelled by their first category column', () => {
    const embedding = { ...cloud(), labels: null, labelNames: null };
    expect(pick('dog', embedding)).toEqual(where((i) => i % 3 === 1));
    expect(pick('label!=cat', embedding)).toEqual(where((i) => i % 3 !== 0 || i === 5));
    expect(() => runQuery(embedding, 'fish')).toThrow('"Kind" has no value "fish"');
  });

  it('near a hole matches brute force in any dimension (blocks of four and the rest)', () => {
    for (const dim of [1, 4, 7, 9]) {
      const n = 500;
      const means = Float32Array.from({ length: n * dim }, (_, k) => Math.sin(k * 12.9898) * 2);
      const centers = [0, 1, 2].map((h) => Array.from({ length: dim }, (_, j) => (h - j) / 3));
      const source: FilterSource = {
        n,
        dim,
        means,
        labels: null,
        labelNames: null,
        errors: null,
        indices: new Int32Array(n),
      };
      const got = pick('hole:1.3', source, { centers, threshold: 1.5 });
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) =>
        centers.some(
          (c) => c.reduce((s, v, j) => s + (means[i * dim + j] - v) ** 2, 0) <= (1.3 * 1.5) ** 2,
        ),
      );
      expect(got).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
    }
  });

  it('says what the cloud lacks', () => {
    const bare = { ...cloud(), labels: null, errors: null, metadata: undefined };
    expect(() => runQuery(bare, '3')).toThrow('these points carry no labels');
    expect(() => runQuery(bare, 'error > 1')).toThrow('no reconstruction errors');
    expect(() => runQuery(bare, 'age > 1')).toThrow('these points carry no metadata');
    expect(() => runQuery(cloud(), 'size > 1')).toThrow('columns: age, Kind');
    expect(() => runQuery(cloud(), 'kind=fish')).toThrow('"Kind" has no value "fish"');
    expect(() => runQuery(cloud(), 'dress')).toThrow('no class named "dress"');
    expect(() => runQuery(cloud(), 'hole')).toThrow('no coverage holes');
    expect(() => runQuery(cloud(), 'hole', { centers: [[1, 2, 3]], threshold: 1 })).toThrow(
      'another latent dimension',
    );
    expect(() => runQuery(cloud(), '')).toThrow('type a filter first');
  });

  it('stays within a given mask (the isolated points)', () => {
    const source = cloud();
    const within = indicesMask([1, 2, 3, 5, 7], 20);
    const { mask, count } = evaluate(source, compile(source, parseQuery('label:3,1')), within);
    expect(Array.from(maskIndices(mask))).toEqual([1, 3, 5, 7]);
    expect(count).toBe(4);
  });

  it('runs a million points well under a second', () => {
    const n = 1_000_000;
    const dim = 8;
    const source: FilterSource = {
      n,
      dim,
      means: Float32Array.from({ length: n * dim }, (_, k) => 0.3 * Math.sin(k)),
      labels: Int32Array.from({ length: n }, (_, i) => i % 10),
      labelNames: null,
      errors: Float32Array.from({ length: n }, (_, i) => i % 500),
      indices: Int32Array.from({ length: n }, (_, i) => i),
    };
    const holes = {
      centers: Array.from({ length: 8 }, (_, h) => Array(dim).fill(h / 8)),
      threshold: 1.8,
    };
    const compiled = compile(source, parseQuery('label:3,7 error > 200 hole'), holes);
    const out = new Uint8Array(n);
    const start = performance.now();
    const { count } = evaluate(source, compiled, null, out);
    const ms = performance.now() - start;
    expect(count).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
  });
});

describe('masks', () => {
  it('replace, add (shift) and subtract (alt)', () => {
    const a = indicesMask([1, 2, 3], 6);
    const b = indicesMask([3, 4], 6);
    expect(Array.from(maskIndices(combineMasks(a, b, 'replace').mask))).toEqual([3, 4]);
    expect(Array.from(maskIndices(combineMasks(a, b, 'add').mask))).toEqual([1, 2, 3, 4]);
    expect(Array.from(maskIndices(combineMasks(a, b, 'subtract').mask))).toEqual([1, 2]);
    expect(combineMasks(null, b, 'add').count).toBe(2);
    expect(combineMasks(indicesMask([1], 3), b, 'add').count).toBe(2);
    expect(combineOf({ shiftKey: true, altKey: false })).toBe('add');
    expect(combineOf({ shiftKey: false, altKey: true })).toBe('subtract');
    expect(combineOf({ shiftKey: false, altKey: false })).toBe('replace');
  });

  it('spread a subset mask over the cloud and gather it back', () => {
    const points = Int32Array.from([2, 5, 7]);
    const full = spreadMask(Uint8Array.from([1, 0, 1]), points, 9);
    expect(Array.from(maskIndices(full))).toEqual([2, 7]);
    expect(Array.from(gatherMask(full, points))).toEqual([1, 0, 1]);
  });
});

describe('the cloud of an isolated selection', () => {
  it("gathers every per-point array, and is never cached as the model's", () => {
    const c = cloud();
    const data: CloudData = {
      ...c,
      modelId: 'm',
      epoch: null,
      split: 'test',
      weightsVersion: '00000000000000aa',
      umap: new Float32Array(60),
      partial: false,
      metadata: c.metadata as CloudData['metadata'],
    };
    const s = subsetCloud(data, Int32Array.from([2, 5, 11]));
    expect(s.n).toBe(3);
    expect(Array.from(s.means)).toEqual([2, 0, 5, 0, 11, 0]);
    expect(Array.from(s.labels!)).toEqual([2, 1, 3]);
    expect(Array.from(s.errors!)).toEqual([20, 50, 110]);
    expect(Array.from(s.indices)).toEqual([104, 110, 122]);
    const [age, kind] = s.metadata;
    expect(age.kind === 'number' && Array.from(age.values)).toEqual([1, 2.5, 5.5]);
    expect(kind.kind === 'category' && Array.from(kind.codes)).toEqual([2, -1, 2]);
    expect(s.weightsVersion).toBeNull();
    expect(s.umap).toBeNull();
    expect(s.split).toBe('test');
  });
});
