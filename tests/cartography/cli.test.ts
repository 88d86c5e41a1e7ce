import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../src-main/engine/data/registry';
import {
  saveVector,
  writeSelection,
  writeVectorFile,
} from '../../src-main/engine/io/attribute-vectors';
import { readNpy } from '../../src-main/engine/io/npy';
import { tempDir } from '../engine/helpers';
import { cli } from '../cli/run-cli';

/** The attribute, traverse and analogy commands on the bundled demos (copied: they write). */

const ROOT = path.resolve(__dirname, '../..');
const DEMOS = path.join(ROOT, 'resources/demo');
const ONNX = path.join(ROOT, 'tests/fixtures/onnx');
const last = (r: ReturnType<typeof cli>) => r.lines.at(-1)!;

function expectOneLineError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^latent-atlas: /);
  expect(lines[0]).toMatch(pattern);
}

/** Ink (sum of gray values) of each cell of a one-row strip of `n` square images. */
async function stripInk(file: string, n: number, side: number, scale: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  expect(info.width).toBe((n * (side + 1) - 1) * scale);
  const ink = new Array<number>(n).fill(0);
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const cell = Math.floor(x / ((side + 1) * scale));
      ink[cell] += data[(y * info.width + x) * info.channels];
    }
  return ink;
}

describe('latent-atlas attribute / traverse / analogy', () => {
  const work = tempDir('atlas-cartography-cli-');
  const shapes = path.join(work, 'shapes');
  const sphere = path.join(work, 'sphere');
  const at = (name: string) => path.join(work, name);

  beforeAll(() => {
    cpSync(path.join(DEMOS, 'shapes-gaussian-6'), shapes, { recursive: true });
    cpSync(path.join(DEMOS, 'mnist-sphere-3'), sphere, { recursive: true });
  });

  it('answers --help without loading the engine', () => {
    for (const command of ['attribute', 'traverse', 'analogy']) {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'),
          '--import',
          path.join(ROOT, 'tests/cli/fixtures/no-engine.mjs'),
          path.join(ROOT, 'src-main/cli/main.ts'),
          command,
          '--help',
        ],
        { encoding: 'utf8', cwd: ROOT },
      );
      expect(r.stderr).not.toMatch(/loaded the engine dependency/);
      expect(r.stdout).toMatch(new RegExp(`Usage: latent-atlas ${command}`));
    }
  });

  it('attribute writes the scale vector and saves it with the model; traverse grows the shape', async () => {
    const made = cli(
      'attribute',
      shapes,
      '--from',
      'factor:scale<0.6',
      '--to',
      'factor:scale>0.9',
      '--out',
      at('scale.npy'),
      '--save',
      'scale',
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
    const record = last(made);
    expect(record).toMatchObject({
      name: 'scale',
      sphere: false,
      dim: 6,
      from: { group: 'factor:scale<0.6', description: 'scale < 0.6' },
      to: { group: 'factor:scale>0.9' },
      data: { spec: 'shapes', split: 'test', count: 3000 },
    });
    expect(record.auc).toBeGreaterThan(0.99);
    const vector = await readNpy(at('scale.npy'));
    expect(vector).toMatchObject({ dtype: 'f4', shape: [6] });
    expect((await readNpy(at('scale.base.npy'))).shape).toEqual([6]);
    const index = JSON.parse(readFileSync(path.join(shapes, 'vectors/index.json'), 'utf8'));
    expect(index.vectors.map((v: { name: string }) => v.name)).toEqual(['scale']);
    const saved = await readNpy(path.join(shapes, 'vectors/scale.npy'));
    expect(Array.from(saved.data as Float32Array)).toEqual(Array.from(vector.data as Float32Array));

    const strip = cli(
      'traverse',
      shapes,
      '--vector',
      'scale',
      '--from',
      'item:5',
      '--steps',
      '7',
      '--out',
      at('scale.png'),
      '--latents',
      at('scale-strip.npy'),
      '--scale',
      '1',
      '--json',
    );
    expect(strip.code, strip.stderr).toBe(0);
    expect(last(strip)).toMatchObject({
      steps: 7,
      span: 1,
      t: [-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1].map((t) => expect.closeTo(t, 12)),
    });
    const ink = await stripInk(at('scale.png'), 7, 32, 1);
    for (let k = 1; k < 7; k++) expect(ink[k]).toBeGreaterThan(ink[k - 1]);
    // The strip is a line: equal steps of t·v from item 5's code.
    const codes = (await readNpy(at('scale-strip.npy'))).data as Float32Array;
    const v = vector.data as Float32Array;
    for (let k = 1; k < 7; k++)
      for (let i = 0; i < 6; i++)
        expect(codes[k * 6 + i] - codes[(k - 1) * 6 + i]).toBeCloseTo(v[i] / 3, 5);
  });

  it('a selection of items gives the same vector as the factor groups it holds', async () => {
    const test = (await openDataset('shapes', { seed: 1 })).test;
    const { names, values } = test.factors!;
    const scale = (r: number) => values[r * names.length + names.indexOf('scale')];
    const rows = Array.from({ length: test.count }, (_, r) => r);
    await writeSelection(
      shapes,
      'small',
      rows.filter((r) => scale(r) < 0.6),
      { split: 'test' },
    );
    await writeSelection(
      shapes,
      'large',
      rows.filter((r) => scale(r) > 0.9),
      { split: 'test' },
    );
    const made = cli(
      'attribute',
      shapes,
      '--from',
      'selection:small',
      '--to',
      'selection:large',
      '--out',
      at('selected.npy'),
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
    expect(last(made)).toMatchObject({ from: { description: 'selection small' } });
    const a = (await readNpy(at('selected.npy'))).data as Float32Array;
    const byFactor = cli(
      'attribute',
      shapes,
      '--from',
      'factor:scale<0.6',
      '--to',
      'factor:scale>0.9',
      '--out',
      at('by-factor.npy'),
    );
    expect(byFactor.code, byFactor.stderr).toBe(0);
    const b = (await readNpy(at('by-factor.npy'))).data as Float32Array;
    for (let i = 0; i < 6; i++) expect(a[i]).toBeCloseTo(b[i], 6);
    // The page saves selections of the cloud it shows (split all): without --split, theirs is read.
    const first = Array.from({ length: 100 }, (_, i) => i);
    await writeSelection(shapes, 'first', first, { split: 'all' });
    await writeSelection(
      shapes,
      'second',
      first.map((i) => i + 100),
      { split: 'all' },
    );
    const both = cli(
      'attribute',
      shapes,
      '--from',
      'selection:first',
      '--to',
      'selection:second',
      '--limit',
      '300',
      '--out',
      at('all.npy'),
      '--json',
    );
    expect(both.code, both.stderr).toBe(0);
    expect(last(both)).toMatchObject({ data: { split: 'all', count: 300 } });
    expectOneLineError(
      cli(
        'attribute',
        shapes,
        '--from',
        'selection:first',
        '--to',
        'selection:large',
        '--out',
        at('x.npy'),
      ),
      /the selections number items of different splits: .*first\.npy \(all\), .*large\.npy \(test\)/,
    );
    // Indices of another split than --split names are refused, naming the file.
    expectOneLineError(
      cli(
        'attribute',
        shapes,
        '--from',
        'selection:small',
        '--to',
        'rest',
        '--split',
        'train',
        '--out',
        at('x.npy'),
      ),
      /selections\/small\.npy: its indices number the items of the test split; pass --split test/,
    );
  });

  it('on the sphere: the vector is tangent, traversals and analogies stay on the sphere', async () => {
    const made = cli(
      'attribute',
      sphere,
      '--from',
      'label:1',
      '--to',
      'label:7',
      '--out',
      at('s.npy'),
      '--save',
      'one-seven',
      '--json',
    );
    expect(made.code, made.stderr).toBe(0);
    expect(last(made)).toMatchObject({ sphere: true, dim: 3 });
    const v = (await readNpy(at('s.npy'))).data as Float32Array;
    const base = (await readNpy(at('s.base.npy'))).data as Float32Array;
    const dot = v[0] * base[0] + v[1] * base[1] + v[2] * base[2];
    expect(Math.abs(dot)).toBeLessThan(1e-6);
    expect(Math.hypot(...base)).toBeCloseTo(1, 6);

    const strip = cli(
      'traverse',
      sphere,
      '--vector',
      'one-seven',
      '--from',
      'item:0',
      '--span',
      '3',
      '--steps',
      '13',
      '--out',
      at('s.png'),
      '--latents',
      at('s-strip.npy'),
      '--json',
    );
    expect(strip.code, strip.stderr).toBe(0);
    const grid = cli(
      'analogy',
      sphere,
      '--a',
      'label:7',
      '--b',
      'label:1',
      '--c',
      'item:3',
      '--amount',
      '2',
      '--out',
      at('sa.png'),
      '--latents',
      at('sa.npy'),
      '--json',
    );
    expect(grid.code, grid.stderr).toBe(0);
    expect(last(grid)).toMatchObject({ amounts: [0, 0.5, 1, 1.5, 2], sphere: true });
    for (const file of ['s-strip.npy', 'sa.npy']) {
      const z = (await readNpy(at(file))).data as Float32Array;
      for (let r = 0; r < z.length / 3; r++)
        expect(Math.abs(Math.hypot(z[3 * r], z[3 * r + 1], z[3 * r + 2]) - 1)).toBeLessThan(1e-6);
    }
    expectOneLineError(
      cli('traverse', sphere, '--dim', '0', '--from', 'origin', '--out', at('x.png')),
      /--from origin: the zero code is not on the sphere/,
    );
  });

  it('analogy writes a, b, c above the amounts', async () => {
    const r = cli(
      'analogy',
      shapes,
      '--a',
      'item:5',
      '--b',
      'item:0',
      '--c',
      'label:heart',
      '--steps',
      '4',
      '--scale',
      '1',
      '--out',
      at('a.png'),
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(last(r)).toMatchObject({
      a: 'item:5',
      amounts: [0, 1 / 3, 2 / 3, 1].map((s) => expect.closeTo(s, 12)),
    });
    expect(String(last(r).c)).toMatch(/mean code of label 2 \(heart\)/);
    const meta = await sharp(at('a.png')).metadata();
    expect([meta.width, meta.height]).toEqual([4 * 33 - 1, 2 * 33 - 1]);
  });

  it('works on an ONNX model folder: vectors are kept beside decoder.onnx', () => {
    const folder = at('onnx');
    cpSync(path.join(ONNX, 'mlp-nchw'), folder, { recursive: true });
    const made = cli(
      'attribute',
      folder,
      '--data',
      'mnist',
      '--limit',
      '300',
      '--from',
      'label:3',
      '--to',
      'label:8',
      '--out',
      at('o.npy'),
      '--save',
      'three-eight',
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/label 3 \(n = \d+\) → label 8 \(n = \d+\): AUC 0\.\d{3}/);
    expect(existsSync(path.join(folder, 'vectors/three-eight.npy'))).toBe(true);
    // Naming decoder.onnx opens the decoder alone; its folder still holds the vector.
    const r = cli(
      'traverse',
      path.join(folder, 'decoder.onnx'),
      '--vector',
      'three-eight',
      '--from',
      'origin',
      '--out',
      at('o.png'),
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses bad input with one clear line', async () => {
    await writeVectorFile(at('three.npy'), [1, 0, 0]);
    await saveVector(shapes, {
      name: 'taken',
      vector: [1, 0, 0, 0, 0, 0],
      base: [0, 0, 0, 0, 0, 0],
      sphere: false,
      length: 1,
      auc: 0.5,
      from: { group: 'label:0', description: 'label 0', n: 1 },
      to: { group: 'label:1', description: 'label 1', n: 1 },
      data: null,
    });
    const decoderOnly = at('decoder-only');
    mkdirSync(decoderOnly);
    cpSync(path.join(ONNX, 'mlp-decoder-only.onnx'), path.join(decoderOnly, 'decoder.onnx'));
    const cases: [string[], RegExp][] = [
      [
        ['attribute', shapes, '--from', 'label:7', '--to', 'rest', '--out', at('x.npy')],
        /no label "7" in shapes \(test\): labels are 0–2 \(square, ellipse, heart\)/,
      ],
      [
        ['attribute', shapes, '--from', 'factor:scale<0.2', '--to', 'rest', '--out', at('x.npy')],
        /--from factor:scale<0.2: an empty group \(none of the 3000 items of shapes \(test\) is in scale < 0.2\)/,
      ],
      [
        ['traverse', shapes, '--direction', at('three.npy'), '--out', at('x.png')],
        /three\.npy: a vector of 3 coordinates, but this model's codes have 6/,
      ],
      [
        [
          'attribute',
          decoderOnly,
          '--data',
          'mnist',
          '--from',
          'label:1',
          '--to',
          'rest',
          '--out',
          at('x.npy'),
        ],
        /attribute needs an encoder, and this model has only a decoder/,
      ],
      [
        [
          'analogy',
          decoderOnly,
          '--data',
          'mnist',
          '--a',
          'item:0',
          '--b',
          'item:1',
          '--c',
          'item:2',
          '--out',
          at('x.png'),
        ],
        /analogy needs an encoder/,
      ],
      [
        [
          'attribute',
          shapes,
          '--from',
          'label:0',
          '--to',
          'rest',
          '--out',
          at('x.npy'),
          '--save',
          '../up',
        ],
        /vector name "..\/up" must be .*no path separators/,
      ],
      [
        [
          'attribute',
          shapes,
          '--from',
          'label:0',
          '--to',
          'rest',
          '--out',
          at('x.npy'),
          '--save',
          'taken',
        ],
        /a vector named "taken" is already saved \(pass --force to replace it\)/,
      ],
      [
        ['traverse', shapes, '--dim', '1', '--vector', 'scale', '--out', at('x.png')],
        /give exactly one of --direction FILE, --vector NAME or --dim K/,
      ],
      [
        ['attribute', shapes, '--from', 'rest', '--to', 'label:1', '--out', at('x.npy')],
        /--from rest/,
      ],
      [
        [
          'analogy',
          shapes,
          '--a',
          'item:3000',
          '--b',
          'item:0',
          '--c',
          'item:1',
          '--out',
          at('x.png'),
        ],
        /--a item:3000: there are only the 3000 items of shapes \(test\)/,
      ],
    ];
    for (const [args, pattern] of cases) expectOneLineError(cli(...args), pattern);
  });
});
