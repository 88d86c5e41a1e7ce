import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src-main/engine/io/npy';
import { tempDir } from '../engine/helpers';
import { cli } from './run-cli';

/** A user mistake gets one line on stderr and a non-zero exit, never a stack trace. */
function expectCleanError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
}

describe('latent-atlas CLI', () => {
  const work = tempDir('atlas-cli-');
  const ckpt = path.join(work, 'mnist-ckpt');
  let trained: ReturnType<typeof cli>;

  beforeAll(() => {
    trained = cli(
      'train',
      '--data',
      'mnist',
      '--limit',
      '600',
      '--latent-dim',
      '2',
      '--hidden',
      '64',
      '--epochs',
      '2',
      '--batch',
      '50',
      '--seed',
      '1',
      '--out',
      ckpt,
      '--json',
    );
  });

  it('info reports the backend in use and why the native ones were not used', () => {
    const r = cli('info', '--json');
    expect(r.code).toBe(0);
    const info = r.lines.at(-1)! as {
      backend: string;
      attempts: { name: string; ok: boolean; reason: string }[];
      kernels?: { threads: number; fma: boolean };
    };
    expect(['wasm', 'cpu', 'tensorflow']).toContain(info.backend);
    if (info.backend === 'wasm') {
      // Products on every core, with fused multiply-adds in Node 20 (relaxed SIMD switched on).
      expect(info.kernels?.threads).toBeGreaterThanOrEqual(1);
      expect(info.kernels?.fma).toBe(true);
      process.env.LATENT_ATLAS_FMA = '0';
      const plain = cli('info', '--json').lines.at(-1) as { kernels?: { fma: boolean } };
      delete process.env.LATENT_ATLAS_FMA;
      expect(plain.kernels?.fma).toBe(false);
    }
    expect(info.attempts.map((a) => a.name).slice(0, 2)).toEqual(['tensorflow-gpu', 'tensorflow']);
    for (const a of info.attempts.filter((x) => !x.ok)) expect(a.reason.length).toBeGreaterThan(5);
    const text = cli('info');
    expect(text.stdout).toMatch(/backend: \w+/);
  });

  it('datasets lists the built-ins', () => {
    const r = cli('datasets');
    expect(r.code).toBe(0);
    for (const spec of ['mnist', 'idx:', 'folder:', 'shapes', 'toy:'])
      expect(r.stdout).toContain(spec);
  });

  it('train prints JSON progress and a final object, and writes a checkpoint', () => {
    expect(trained.code).toBe(0);
    const epochs = trained.lines.filter((l) => l.type === 'epoch');
    expect(epochs).toHaveLength(2);
    const result = trained.lines.at(-1)!;
    expect(result).toMatchObject({ type: 'result', status: 'completed', epochs: 2 });
    expect(typeof result.backend).toBe('string');
    expect(result.samples_per_second).toBeGreaterThan(0);
    expect(result.elbo).toBeLessThan(0);
    expect(existsSync(path.join(ckpt, 'manifest.json'))).toBe(true);
  });

  it('train --resume continues to more epochs', () => {
    const r = cli('train', '--out', ckpt, '--resume', '--epochs', '3', '--json');
    expect(r.code).toBe(0);
    expect(r.lines.filter((l) => l.type === 'epoch').map((l) => l.epoch)).toEqual([3]);
    expect(r.lines.at(-1)!.epochs).toBe(3);
  });

  it('eval prints ELBO, reconstruction and KL, and the IWAE bound with --iw', () => {
    const r = cli('eval', ckpt, '--iw', '16', '--json');
    expect(r.code).toBe(0);
    const e = r.lines.at(-1)! as {
      elbo: number;
      reconstruction: number;
      kl: number;
      log_likelihood: number;
    };
    expect(e.elbo).toBeCloseTo(-(e.reconstruction + e.kl), 3);
    // The importance-weighted bound is tighter than the ELBO (Burda et al.), up to sampling noise.
    expect(e.log_likelihood).toBeGreaterThan(e.elbo - 1);
    const model = r.lines.at(-1)! as {
      active_units: number;
      kl_per_dimension: number[];
      coverage: { n: number; d: number; prior: string; radius_ks: { p: number } };
    };
    expect(model.kl_per_dimension).toHaveLength(2);
    expect(model.active_units).toBeGreaterThanOrEqual(0);
    expect(model.coverage).toMatchObject({ n: 100, d: 2, prior: 'gaussian' });
    expect(model.coverage.radius_ks.p).toBeGreaterThanOrEqual(0);
  });

  it('coverage checks any latent matrix and writes an HTML report', async () => {
    const zFile = path.join(work, 'cov.npy');
    expect(cli('encode', ckpt, '--split', 'train', '--out', zFile).code).toBe(0);
    const html = path.join(work, 'cov.html');
    const r = cli('coverage', zFile, '--prior', 'gaussian', '--report', html, '--json');
    expect(r.code).toBe(0);
    const report = r.lines.at(-1)! as { n: number; d: number; mardia: object; holes: object };
    expect([report.n, report.d]).toEqual([600, 2]);
    expect(report).toHaveProperty('mardia.skewness.p');
    expect(report).toHaveProperty('holes.fraction');
    expect(readFileSync(html, 'utf8')).toMatch(/<html/i);
    expectCleanError(
      cli('coverage', zFile, '--prior', 'cube'),
      /--prior must be gaussian or sphere/,
    );
  });

  it('encode writes float32 [n, d] latents and labels; decode and sample write PNG grids', async () => {
    const zFile = path.join(work, 'z.npy');
    const r = cli('encode', ckpt, '--split', 'test', '--out', zFile, '--json');
    expect(r.code).toBe(0);
    const z = await readNpy(zFile);
    expect(z.dtype).toBe('f4');
    expect(z.shape).toEqual([100, 2]);
    const labels = await readNpy(path.join(work, 'z.labels.npy'));
    expect(labels.shape).toEqual([100]);

    const grid = path.join(work, 'grid.png');
    expect(cli('decode', ckpt, zFile, '--out', grid, '--scale', '1').code).toBe(0);
    const meta = await sharp(grid).metadata();
    // 100 digits in a 10 × 10 grid of 28-pixel tiles with 1-pixel gutters.
    expect([meta.width, meta.height]).toEqual([10 * 29 - 1, 10 * 29 - 1]);

    const a = path.join(work, 'a.png');
    const b = path.join(work, 'b.png');
    expect(cli('sample', ckpt, '--n', '16', '--seed', '3', '--out', a).code).toBe(0);
    expect(cli('sample', ckpt, '--n', '16', '--seed', '3', '--out', b).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('refuses user mistakes with one clear line', () => {
    expectCleanError(cli('train', '--data', 'mnist', '--epochs', '1'), /--out/);
    expectCleanError(
      cli('train', '--data', 'nope', '--epochs', '1', '--out', path.join(work, 'x')),
      /unknown dataset "nope"/,
    );
    expectCleanError(
      cli('train', '--data', 'mnist', '--epochs', '0', '--out', path.join(work, 'x')),
      /epochs.*integer from 1/,
    );
    expectCleanError(
      cli(
        'train',
        '--data',
        'mnist',
        '--latent',
        'cube',
        '--epochs',
        '1',
        '--out',
        path.join(work, 'x'),
      ),
      /gaussian, sphere/,
    );
    expectCleanError(
      cli(
        'train',
        '--data',
        'toy:moons',
        '--invariance',
        '10',
        '--epochs',
        '1',
        '--out',
        path.join(work, 'x'),
      ),
      /--invariance applies to a mixture prior only/,
    );
    expectCleanError(cli('eval', '/nonexistent/ckpt'), /no such checkpoint directory/);
    const bad = path.join(work, 'bad.npy');
    writeFileSync(bad, 'not an npy file');
    expectCleanError(cli('decode', ckpt, bad, '--out', path.join(work, 'o.png')), /bad.npy/);
    expectCleanError(cli('frobnicate'), /unknown command/);
  });
});
