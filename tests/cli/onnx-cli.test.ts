import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src-main/engine/io/npy';
import { tempDir } from '../engine/helpers';
import { cli } from './run-cli';

const FIXTURES = path.resolve('tests/fixtures/onnx');
const last = (r: ReturnType<typeof cli>) => r.lines.at(-1)!;

describe('the CLI on models exported from PyTorch', () => {
  const work = tempDir('atlas-onnx-cli-');

  it('samples, encodes, decodes and evaluates an ONNX folder', async () => {
    const model = path.join(FIXTURES, 'mlp-nchw');
    const png = path.join(work, 'samples.png');
    const sampled = cli(
      'sample',
      model,
      '--n',
      '16',
      '--out',
      png,
      '--latents',
      path.join(work, 'z.npy'),
      '--json',
    );
    expect(sampled.code).toBe(0);
    const meta = await sharp(png).metadata();
    // A 4 × 4 grid of 28-pixel digits at scale 2.
    expect(meta.width).toBeGreaterThanOrEqual(4 * 28 * 2);
    expect(meta.height).toBe(meta.width);
    const encoded = cli(
      'encode',
      model,
      '--data',
      'mnist',
      '--split',
      'test',
      '--limit',
      '50',
      '--out',
      path.join(work, 'codes.npy'),
      '--json',
    );
    expect(encoded.code).toBe(0);
    expect((await readNpy(path.join(work, 'codes.npy'))).shape).toEqual([50, 4]);
    const decoded = cli(
      'decode',
      model,
      path.join(work, 'codes.npy'),
      '--out',
      path.join(work, 'recon.png'),
      '--json',
    );
    expect(decoded.code).toBe(0);
    expect(last(decoded)).toMatchObject({ n: 50 });
    const evaluated = cli(
      'eval',
      model,
      '--data',
      'mnist',
      '--limit',
      '200',
      '--iw',
      '5',
      '--json',
    );
    expect(evaluated.code).toBe(0);
    const figures = last(evaluated);
    expect(figures.elbo as number).toBeLessThan(0);
    expect(figures.log_likelihood as number).toBeGreaterThan(figures.elbo as number);
    expect(figures.iw_samples).toBe(5);
  });

  it('a deterministic encoder evaluates without an ELBO, and says why IWAE is left out', () => {
    const r = cli(
      'eval',
      path.join(FIXTURES, 'conv-nhwc-tanh'),
      '--data',
      'mnist',
      '--limit',
      '100',
      '--iw',
      '5',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(last(r)).toMatchObject({ elbo: null, kl: null, log_likelihood: null, iw_samples: null });
    expect(r.stderr).toMatch(/--iw: no log-likelihood estimate: this encoder gives a point/);
  });

  it('imports into a library with the flags written to atlas.json; a refusal copies nothing', () => {
    const library = path.join(work, 'library');
    const refused = cli(
      'import',
      path.join(FIXTURES, 'conditional-decoder.onnx'),
      '--library',
      library,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/input "digit" \[N, 10\] is unexplained/);
    expect(existsSync(library) ? readdirSync(library) : []).toEqual([]);
    const ok = cli(
      'import',
      path.join(FIXTURES, 'mlp-decoder-only.onnx'),
      '--library',
      library,
      '--prior',
      'gaussian',
      '--dataset',
      'mnist',
      '--json',
    );
    expect(ok.code).toBe(0);
    const { modelId } = last(ok) as { modelId: string };
    const folder = path.join(library, modelId);
    expect(readdirSync(folder).sort()).toEqual(['atlas.json', 'decoder.onnx']);
    expect(JSON.parse(readFileSync(path.join(folder, 'atlas.json'), 'utf8'))).toEqual({
      prior: 'gaussian',
      dataset: 'mnist',
    });
  });

  it('refuses a bad flag value before opening anything', () => {
    const r = cli(
      'sample',
      path.join(FIXTURES, 'mlp-nchw'),
      '--output',
      'softmax',
      '--out',
      path.join(work, 'x.png'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--output/);
  });
});
