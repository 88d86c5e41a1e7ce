import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { NO_DECODER, type EmbeddingModel } from '../../src-main/engine/embedding/embedding-model';
import { importEmbedding } from '../../src-main/engine/embedding/import';
import { parseMetadata } from '../../src-main/engine/embedding/metadata';
import { isEmbeddingDir } from '../../src-main/engine/embedding/open';
import { checkSprite, parseThumbSize } from '../../src-main/engine/embedding/sprite';
import { readVectors } from '../../src-main/engine/embedding/vectors';
import { openModel } from '../../src-main/engine/io/open-model';
import { requireEncoding } from '../../src-main/engine/model/latent-model';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import { embeddingSource } from '../../src-main/host/library/embedding-files';
import { isCheckpointDir } from '../../src-main/host/library/checkpoint-files';
import { tempDir } from '../engine/helpers';
import { makeEmbedding, SPECIES } from './fixture';

const POND = path.resolve('tests/fixtures/embedding/pond');

describe('embedding vectors', () => {
  it('reads NPY and TSV vectors alike', async () => {
    const npy = await readVectors(path.join(POND, 'vectors.npy'));
    const tsv = await readVectors(path.join(POND, 'vectors.tsv'));
    expect([npy.n, npy.d]).toEqual([60, 6]);
    expect([tsv.n, tsv.d]).toEqual([60, 6]);
    for (let i = 0; i < npy.data.length; i++) expect(tsv.data[i]).toBeCloseTo(npy.data[i], 5);
  });

  it('reads float64 and integer NPY, CRLF and blank lines and a trailing tab in TSV', async () => {
    const dir = tempDir('atlas-emb-');
    writeFileSync(
      path.join(dir, 'f8.npy'),
      encodeNpy(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2]),
    );
    writeFileSync(path.join(dir, 'i4.npy'), encodeNpy(Int32Array.from([1, 2, 3, 4]), [2, 2]));
    writeFileSync(path.join(dir, 'v.tsv'), '\uFEFF1\t2\t\r\n\r\n3\t4\r\n');
    expect(Array.from((await readVectors(path.join(dir, 'f8.npy'))).data)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect((await readVectors(path.join(dir, 'i4.npy'))).d).toBe(2);
    const tsv = await readVectors(path.join(dir, 'v.tsv'));
    expect([tsv.n, tsv.d, ...tsv.data]).toEqual([2, 2, 1, 2, 3, 4]);
  });

  it('refuses NaN, ragged rows, a header, spaces and a vector that is not a matrix', async () => {
    const dir = tempDir('atlas-emb-');
    const write = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const nan = new Float32Array(12);
    nan[7] = NaN;
    writeFileSync(path.join(dir, 'nan.npy'), encodeNpy(nan, [4, 3]));
    await expect(readVectors(path.join(dir, 'nan.npy'))).rejects.toThrow(
      'nan.npy: row 2 (counting from 0) holds NaN at column 1; vectors must be finite',
    );
    writeFileSync(path.join(dir, 'flat.npy'), encodeNpy(new Float32Array(4), [4]));
    await expect(readVectors(path.join(dir, 'flat.npy'))).rejects.toThrow(
      'flat.npy: expected a matrix [n, d] of vectors, got shape (4)',
    );
    await expect(readVectors(write('ragged.tsv', '1\t2\t3\n4\t5\t6\n7\t8\n'))).rejects.toThrow(
      'ragged.tsv: line 3 has 2 values, but line 1 has 3; every vector needs the same number',
    );
    await expect(readVectors(write('inf.tsv', '1\t2\n3\tinf\n'))).rejects.toThrow(
      'inf.tsv: line 2, column 2 holds "inf"; vectors must be finite numbers',
    );
    await expect(readVectors(write('nan.tsv', '1\t2\nNaN\t3\n'))).rejects.toThrow(
      'nan.tsv: line 2, column 1 holds "NaN"',
    );
    await expect(readVectors(write('head.tsv', 'x\ty\n1\t2\n'))).rejects.toThrow(
      'head.tsv: line 1, column 1 holds "x"; vectors must be finite numbers (a vectors TSV has no header row)',
    );
    await expect(readVectors(write('spaces.tsv', '1 2 3\n4 5 6\n'))).rejects.toThrow(
      'spaces.tsv: line 1 holds one value "1 2 3"; the numbers of a vectors TSV are separated by tabs',
    );
    await expect(readVectors(path.join(dir, 'missing.npy'))).rejects.toThrow(
      /missing\.npy: cannot read \(ENOENT\)/,
    );
  });
});

describe('embedding metadata', () => {
  it('types columns: numbers with missing values, categories, quoted fields', () => {
    const parsed = parseMetadata(readFileSync(path.join(POND, 'metadata.tsv'), 'utf8'), 'm.tsv');
    expect(parsed).toMatchObject({ rows: 60, header: true, warnings: [] });
    const [name, species, size, note] = parsed.columns;
    expect(name).toMatchObject({ name: 'name', kind: 'category' });
    expect(species).toMatchObject({ name: 'species', kind: 'category', missing: 0 });
    if (species.kind !== 'category') throw new Error('species is categorical');
    expect(species.categories).toEqual([...SPECIES].sort());
    expect(species.categories[species.codes[1]]).toBe('otter');
    expect(size).toMatchObject({ name: 'size', kind: 'number', missing: 9 });
    if (size.kind !== 'number') throw new Error('size is numeric');
    expect(size.values[0]).toBe(10);
    expect(Number.isNaN(size.values[3])).toBe(true);
    if (note.kind !== 'category') throw new Error('note is categorical');
    // A quoted field keeps its tab and its doubled quotes come out single.
    expect(note.categories[note.codes[1]]).toBe('a "quoted"\tnote');
  });

  it('orders categories naturally and reads missing words only in numeric columns', () => {
    const parsed = parseMetadata(
      'id\tlevel\tscore\nb10\tNA\t1.5\nb2\tlow\tNaN\nb1\t\t-2e3\n',
      'm.tsv',
    );
    const [id, level, score] = parsed.columns;
    expect(id.kind === 'category' && id.categories).toEqual(['b1', 'b2', 'b10']);
    expect(level).toMatchObject({ kind: 'category', categories: ['low', 'NA'], missing: 1 });
    expect(score.kind === 'number' && Array.from(score.values)).toEqual([1.5, NaN, -2000]);
  });

  it('reads a single column without a header (the Projector rule), or with one when counted', () => {
    const plain = parseMetadata('cat\ndog\n\ncat\n', 'labels.tsv');
    expect(plain).toMatchObject({ rows: 3, header: false });
    expect(plain.columns[0]).toMatchObject({ name: 'label', categories: ['cat', 'dog'] });
    const numeric = parseMetadata('3\n1\n4\n', 'l.tsv');
    expect(numeric.columns[0]).toMatchObject({ name: 'label', kind: 'number' });
    const headed = parseMetadata('animal\ncat\ndog\n', 'labels.tsv', 2);
    expect(headed).toMatchObject({ rows: 2, header: true });
    expect(headed.columns[0].name).toBe('animal');
    expect(headed.warnings[0]).toMatch(/its first line "animal" is read as the header/);
  });

  it('names empty and repeated columns, and refuses ragged rows naming the line', () => {
    const parsed = parseMetadata('a\t\tA\n1\t2\t3\n', 'm.tsv');
    expect(parsed.columns.map((c) => c.name)).toEqual(['a', 'column 2', 'A (2)']);
    expect(() => parseMetadata('a\tb\n1\t2\n3\n4\t5\n', 'meta.tsv')).toThrow(
      'meta.tsv: line 3 has 1 field, but the header has 2',
    );
    expect(() => parseMetadata('a\tb\n1\t2\t3\t4\n', 'meta.tsv')).toThrow(
      'meta.tsv: line 2 has 4 fields, but the header has 2',
    );
    // A trailing tab is not a column.
    expect(parseMetadata('a\tb\n1\t2\t\n', 'm.tsv').rows).toBe(1);
    expect(() => parseMetadata('\n\n', 'empty.tsv')).toThrow('empty.tsv: holds no rows');
  });
});

describe('embedding sprites', () => {
  it('reads a sprite grid, inferring the thumbnail size of a square grid', async () => {
    expect(await checkSprite(path.join(POND, 'sprite.png'), 60)).toEqual({
      width: 8,
      height: 8,
      columns: 8,
      channels: 3,
    });
    expect(await checkSprite(path.join(POND, 'sprite.png'), 16, { width: 16, height: 16 })).toEqual(
      { width: 16, height: 16, columns: 4, channels: 3 },
    );
    expect(parseThumbSize('28x28')).toEqual({ width: 28, height: 28 });
    expect(parseThumbSize('32')).toEqual({ width: 32, height: 32 });
    expect(() => parseThumbSize('28 by 28')).toThrow('--thumb "28 by 28": expected WxH');
  });

  it('says what is wrong with a sprite that does not fit', async () => {
    const dir = tempDir('atlas-emb-');
    const grey = path.join(dir, 'grey.png');
    await sharp({ create: { width: 30, height: 20, channels: 3, background: '#808080' } })
      .png()
      .toFile(grey);
    expect(await checkSprite(grey, 6, { width: 10, height: 10 })).toMatchObject({ channels: 1 });
    await expect(checkSprite(grey, 7, { width: 10, height: 10 })).rejects.toThrow(
      'grey.png is 30×20 pixels: a grid of 3 × 2 = 6 thumbnails, fewer than the 7 points (thumbnails of 10×10)',
    );
    await expect(checkSprite(grey, 6, { width: 7, height: 10 })).rejects.toThrow(
      'grey.png is 30×20 pixels: its width is not a whole number of thumbnails (thumbnails of 7×10)',
    );
    // Six points: three a row, two rows of 10×10 (the Projector's grid, cut to the rows used).
    expect(await checkSprite(grey, 6)).toMatchObject({ width: 10, height: 10, columns: 3 });
    await expect(checkSprite(grey, 10)).rejects.toThrow(
      'grey.png is 30×20 pixels: cannot tell its thumbnail size for 10 points (not a square grid of 4 a row); give it with --thumb WxH',
    );
    writeFileSync(path.join(dir, 'bad.png'), 'not a png');
    await expect(checkSprite(path.join(dir, 'bad.png'), 6)).rejects.toThrow(
      /bad\.png: not an image sharp can read/,
    );
  });
});

describe('importing an embedding', () => {
  it('writes the library form, which opens as a model without a decoder', async () => {
    const out = path.join(tempDir('atlas-emb-'), 'pond');
    const { info } = await importEmbedding(
      {
        vectors: path.join(POND, 'vectors.tsv'),
        metadata: path.join(POND, 'metadata.tsv'),
        sprite: path.join(POND, 'sprite.png'),
      },
      out,
      'Pond',
    );
    expect(info).toMatchObject({
      format: 'latent-atlas-embedding',
      name: 'Pond',
      n: 60,
      d: 6,
      thumbs: { file: 'sprite.png', width: 8, height: 8, channels: 3, columns: 8 },
      sources: { vectors: 'vectors.tsv', metadata: 'metadata.tsv', sprite: 'sprite.png' },
    });
    expect(info.columns.map((c) => [c.name, c.kind])).toEqual([
      ['name', 'category'],
      ['species', 'category'],
      ['size', 'number'],
      ['note', 'category'],
    ]);
    expect(isEmbeddingDir(out) && isCheckpointDir(out)).toBe(true);
    expect(embeddingSource(out)).toBeNull();

    const opened = await openModel(out);
    expect(opened.kind).toBe('embedding');
    expect(opened.vae).toBeNull();
    expect(opened.manifest).toMatchObject({ name: 'Pond', dataset: null, imageShape: [8, 8, 3] });
    const model = opened.model as EmbeddingModel;
    expect(model.encoding).toBeNull();
    expect(model.config).toMatchObject({
      inputShape: [8, 8, 3],
      latent: { kind: 'gaussian', dim: 6 },
    });
    expect(() => model.decode()).toThrow(NO_DECODER);
    expect(() => model.encode()).toThrow(/has no encoder/);
    expect(() => requireEncoding(model, 'attribute')).toThrow(
      'attribute needs an encoder, and an imported embedding has no encoder: its points are given vectors',
    );
    const z = model.samplePrior(500, 3);
    expect(z).toHaveLength(3000);
    expect(Array.from(model.samplePrior(2, 3))).toEqual(Array.from(z.subarray(0, 12)));
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);

    const vectors = await model.vectors();
    const original = await readVectors(path.join(POND, 'vectors.npy'));
    for (let i = 0; i < vectors.length; i++) expect(vectors[i]).toBeCloseTo(original.data[i], 5);
    const columns = await model.metadata();
    expect(columns[1]).toMatchObject({ name: 'species', kind: 'category' });
    // The thumbnails come from the sprite: point 1 is an otter (red), point 2 a wren (teal).
    const thumbs = await model.thumbnails([1, 2, 59]);
    expect(thumbs).toMatchObject({ n: 3, shape: [8, 8, 3] });
    expect(Array.from(thumbs!.images.subarray(0, 3), (v) => Math.round(v * 255))).toEqual([
      225, 87, 89,
    ]);
    expect(Array.from(thumbs!.images.subarray(192, 195), (v) => Math.round(v * 255))).toEqual([
      118, 183, 178,
    ]);
    model.dispose();
  });

  it('refuses counts that differ naming both files, and a sprite too small', async () => {
    const dir = tempDir('atlas-emb-');
    const fixture = await makeEmbedding(dir, { n: 20, tsv: false });
    writeFileSync(
      path.join(dir, 'short.tsv'),
      readFileSync(fixture.metadata, 'utf8').split('\n').slice(0, 18).join('\n'),
    );
    await expect(
      importEmbedding(
        { vectors: fixture.vectors, metadata: path.join(dir, 'short.tsv') },
        path.join(dir, 'out1'),
        'x',
      ),
    ).rejects.toThrow(
      'short.tsv has 17 rows after its header but vectors.npy has 20 vectors: one metadata row per vector',
    );
    const small = path.join(dir, 'small.png');
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#000' } })
      .png()
      .toFile(small);
    await expect(
      importEmbedding(
        { vectors: fixture.vectors, sprite: small, thumb: { width: 8, height: 8 } },
        path.join(dir, 'out2'),
        'x',
      ),
    ).rejects.toThrow('a grid of 4 × 4 = 16 thumbnails, fewer than the 20 points');
  });

  it('builds a sprite from a folder of images, one per point in natural order', async () => {
    const dir = tempDir('atlas-emb-');
    const fixture = await makeEmbedding(dir, { n: 12, thumb: 0, tsv: false });
    const images = path.join(dir, 'thumbs');
    mkdirSync(images);
    for (let i = 0; i < 12; i++)
      await sharp({
        create: {
          width: 6,
          height: 6,
          channels: 3,
          background: { r: i * 20, g: i * 20, b: i * 20 },
        },
      })
        .png()
        .toFile(path.join(images, `${i}.png`));
    const found = embeddingSource(dir);
    expect(found).toMatchObject({ sprite: null, images });
    const { info } = await importEmbedding(
      { vectors: fixture.vectors, images: found!.images },
      path.join(dir, 'out'),
      'grey',
    );
    expect(info.thumbs).toMatchObject({ file: 'sprite.png', width: 6, height: 6, channels: 1 });
    const model = (await openModel(path.join(dir, 'out'))).model as EmbeddingModel;
    const thumbs = await model.thumbnails([10, 2]);
    // 10.png sorts after 2.png: the tenth point is the image named 10.
    expect(Math.round(thumbs!.images[0] * 255)).toBe(200);
    expect(Math.round(thumbs!.images[36] * 255)).toBe(40);
    model.dispose();
    await expect(
      importEmbedding(
        { vectors: fixture.vectors, images: path.join(dir, 'nothing') },
        path.join(dir, 'out3'),
        'x',
      ),
    ).rejects.toThrow();
  });

  it('finds the files of a folder as the Projector lays them out', async () => {
    const dir = tempDir('atlas-emb-');
    writeFileSync(path.join(dir, 'tensors.tsv'), '1\t2\n');
    writeFileSync(path.join(dir, 'words.tsv'), 'w\n');
    writeFileSync(
      path.join(dir, 'projector_config.pbtxt'),
      'embeddings {\n  tensor_path: "/elsewhere/tensors.tsv"\n  metadata_path: "words.tsv"\n  sprite {\n    image_path: "s.png"\n    single_image_dim: 28\n    single_image_dim: 30\n  }\n}\n',
    );
    writeFileSync(path.join(dir, 's.png'), '');
    expect(embeddingSource(dir)).toEqual({
      vectors: path.join(dir, 'tensors.tsv'),
      metadata: path.join(dir, 'words.tsv'),
      sprite: path.join(dir, 's.png'),
      images: null,
      thumb: { width: 28, height: 30 },
    });
    const model = tempDir('atlas-emb-');
    writeFileSync(path.join(model, 'manifest.json'), '{}');
    writeFileSync(path.join(model, 'vectors.npy'), '');
    expect(embeddingSource(model)).toBeNull();
    expect(embeddingSource(tempDir('atlas-emb-'))).toBeNull();
  });
});
