import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src-main/engine/io/npy';
import { tempDir } from '../engine/helpers';
import { cli } from './run-cli';

/** Issue 11 item 10 and issue 12 items 3–5: the command line loses nothing and hides nothing. */

/** An error: one line on stderr, with the prefix every error has, and a non-zero exit. */
function expectOneLineError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^latent-atlas: /);
  expect(lines[0]).toMatch(pattern);
}

const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    createdAt: string;
    updatedAt: string;
    state: { epoch: number };
    train: { learningRate: number; batchSize: number };
    model: { latent: { dim: number }; objective: { weight: number } };
    hasOptimizer: boolean;
    history: {
      epoch: number;
      resumed?: { changed: Record<string, unknown>; freshOptimizer?: string };
    }[];
  };

describe('latent-atlas CLI: nothing lost, nothing silently ignored', () => {
  const work = tempDir('atlas-cli-safety-');
  const mnist = path.join(work, 'mnist');
  const toy = path.join(work, 'toy');
  const toyArgs = ['--data', 'toy:moons', '--limit', '200', '--hidden', '16', '--batch', '20'];

  beforeAll(() => {
    const a = cli(
      'train',
      '--data',
      'mnist',
      '--limit',
      '300',
      '--hidden',
      '32',
      '--epochs',
      '1',
      '--batch',
      '50',
      '--out',
      mnist,
    );
    expect(a.code, a.stderr).toBe(0);
    const b = cli('train', ...toyArgs, '--epochs', '1', '--out', toy);
    expect(b.code, b.stderr).toBe(0);
  });

  it('train --out refuses an existing checkpoint unless --resume or --force', () => {
    const before = manifestOf(toy);
    expectOneLineError(
      cli('train', ...toyArgs, '--epochs', '1', '--out', toy),
      /already holds a checkpoint: pass --resume to continue it or --force to replace it/,
    );
    expect(manifestOf(toy)).toEqual(before);
    const dir = path.join(work, 'forced');
    cpSync(toy, dir, { recursive: true });
    const r = cli(
      'train',
      ...toyArgs,
      '--latent-dim',
      '3',
      '--epochs',
      '1',
      '--force',
      '--out',
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const after = manifestOf(dir);
    expect(after.model.latent.dim).toBe(3);
    expect(after.createdAt > before.createdAt).toBe(true);
  });

  it('--resume refuses options that change the model, naming each, and applies the others', () => {
    expectOneLineError(
      cli(
        'train',
        '--out',
        toy,
        '--resume',
        '--epochs',
        '2',
        '--latent-dim',
        '4',
        '--hidden',
        '16',
      ),
      // --hidden 16 is the saved value: not a change, so not named.
      /cannot resume .* with options that change the model: --latent-dim \(saved: 2, given: 4\); leave them out/,
    );
    expectOneLineError(
      cli(
        'train',
        '--out',
        toy,
        '--resume',
        '--epochs',
        '2',
        '--latent',
        'sphere',
        '--net',
        'conv',
      ),
      /--latent \(saved: "gaussian", given: "sphere"\), --net \(saved: "mlp", given: "conv"\)/,
    );
    // The same values as saved change nothing, so they are fine (scripts pass them every time).
    const dir = path.join(work, 'resumed');
    cpSync(toy, dir, { recursive: true });
    const r = cli(
      'train',
      ...toyArgs,
      '--out',
      dir,
      '--resume',
      '--epochs',
      '2',
      '--lr',
      '0.002',
      '--beta',
      '2',
      '--batch',
      '25',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /changed: epochs 1 → 2, learningRate 0.001 → 0.002, batchSize 20 → 25, beta 1 → 2/,
    );
    const m = manifestOf(dir);
    expect(m.train).toMatchObject({ learningRate: 0.002, batchSize: 25 });
    expect(m.model.objective.weight).toBe(2);
    expect(m.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(m.history[1].resumed?.changed).toEqual({
      epochs: [1, 2],
      learningRate: [0.001, 0.002],
      batchSize: [20, 25],
      beta: [1, 2],
    });
  });

  it('checks every option before any data loads', () => {
    // The folder does not exist: each error below is about the option, so none got as far as the data.
    const base = [
      'train',
      '--data',
      'folder:/nonexistent/images',
      '--epochs',
      '1',
      '--out',
      path.join(work, 'never'),
    ];
    expectOneLineError(
      cli(...base, '--lr', '1e9'),
      /--lr.*expected a number in \(0, 10\], got "1e9"/,
    );
    expectOneLineError(
      cli(...base, '--latent', 'sphere', '--objective', 'l2'),
      /--objective l2 \(RAE\)/,
    );
    expectOneLineError(cli(...base, '--hidden', '99999'), /--hidden: Too big/);
    expectOneLineError(
      cli(...base, '--reset-optimizer'),
      /--reset-optimizer applies to --resume only/,
    );
    expect(existsSync(path.join(work, 'never'))).toBe(false);
  });

  it('inference ignores a damaged optimizer; resume names --reset-optimizer, which records itself', () => {
    const dir = path.join(work, 'damaged');
    cpSync(mnist, dir, { recursive: true });
    rmSync(path.join(dir, 'optimizer', 'tensors.json'));
    expect(cli('sample', dir, '--n', '4', '--out', path.join(work, 's.png')).code).toBe(0);
    const e = cli('eval', dir, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(e.lines.at(-1)!.elbo).toBeLessThan(0);
    expectOneLineError(
      cli('train', '--out', dir, '--resume', '--epochs', '2'),
      /optimizer state is unusable \(.*optimizer\/tensors.json: missing\); pass --reset-optimizer to resume with fresh Adam state/,
    );
    const r = cli('train', '--out', dir, '--resume', '--reset-optimizer', '--epochs', '2');
    expect(r.code, r.stderr).toBe(0);
    const m = manifestOf(dir);
    expect(m.state.epoch).toBe(2);
    expect(m.hasOptimizer).toBe(true);
    expect(m.history[1].resumed?.freshOptimizer).toBe('reset by --reset-optimizer');
  });

  it('says when it cleans leftovers of killed saves, and warns about degenerate weights', () => {
    const dir = path.join(work, 'zeroed');
    cpSync(mnist, dir, { recursive: true });
    mkdirSync(path.join(work, 'zeroed.saving-999999999-1'));
    mkdirSync(path.join(work, 'zeroed.previous-999999999-2'));
    const weights = path.join(dir, 'decoder', 'weights.bin');
    writeFileSync(weights, Buffer.alloc(statSync(weights).size));
    const r = cli('sample', dir, '--n', '4', '--out', path.join(work, 'z.png'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^latent-atlas: warning: removed zeroed.saving-999999999-1, left by an interrupted save$/m,
    );
    expect(r.stderr).toMatch(/^latent-atlas: warning: removed zeroed.previous-999999999-2/m);
    expect(r.stderr).toMatch(
      /^latent-atlas: warning: .*decoder\/model.json: weight dec_dense_0\/kernel is all zero/m,
    );
    expect(existsSync(path.join(work, 'zeroed.saving-999999999-1'))).toBe(false);
  });

  it('stops a diverging run with a non-zero exit and keeps the last good checkpoint', () => {
    const dir = path.join(work, 'diverging');
    cpSync(mnist, dir, { recursive: true });
    const before = manifestOf(dir);
    const r = cli('train', '--out', dir, '--resume', '--epochs', '3', '--lr', '10', '--json');
    expect(r.code).not.toBe(0);
    expect(r.lines.at(-1)).toMatchObject({ type: 'result', status: 'diverged' });
    expect(r.stderr).toMatch(
      /^latent-atlas: training diverged: .* the checkpoint in .* is the last good one \(epoch 1\)$/m,
    );
    expect(manifestOf(dir)).toEqual(before);
    expect(cli('sample', dir, '--n', '4', '--out', path.join(work, 'd.png')).code).toBe(0);
  });

  it('encode --limit N writes N rows; decode --n decodes the first N', async () => {
    const z = path.join(work, 'z.npy');
    const r = cli('encode', mnist, '--limit', '50', '--out', z, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((await readNpy(z)).shape).toEqual([50, 2]);
    expect((await readNpy(path.join(work, 'z.labels.npy'))).shape).toEqual([50]);
    expect(r.lines.at(-1)).toMatchObject({ n: 50 });
    const few = path.join(work, 'few.npy');
    expect(cli('encode', mnist, '--split', 'test', '--limit', '10', '--out', few).code).toBe(0);
    expect((await readNpy(few)).shape).toEqual([10, 2]);
    // --n 10 of the 50 train rows: the train rows come first in `all`, so not the test ones.
    const a = path.join(work, 'a.png');
    const d = cli('decode', mnist, z, '--n', '10', '--out', a, '--json');
    expect(d.lines.at(-1)).toMatchObject({ n: 10, of: 50 });
    const first10 = path.join(work, 'first10.npy');
    expect(cli('encode', mnist, '--split', 'train', '--limit', '10', '--out', first10).code).toBe(
      0,
    );
    const b = path.join(work, 'b.png');
    expect(cli('decode', mnist, first10, '--out', b).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(cli('encode', '--help').stdout).toMatch(/first N items: N rows/);
  });

  it('eval --json prints figures; the plot data goes to --plots FILE', () => {
    const r = cli('eval', mnist, '--json');
    expect(r.code).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1)!;
    expect(last.length).toBeLessThan(20_000);
    expect(r.lines.at(-1)!.coverage).not.toHaveProperty('plots');
    expect(r.lines.at(-1)!.coverage).toHaveProperty('mardia');
    const file = path.join(work, 'plots.json');
    const p = cli('eval', mnist, '--json', '--plots', file);
    expect(p.lines.at(-1)!.plots_file).toBe(file);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toContain('dimensions');
  });

  it("prefixes commander's own errors like every other, on one line", () => {
    expectOneLineError(cli('frobnicate'), /^latent-atlas: unknown command 'frobnicate'/);
    expectOneLineError(
      cli('train', '--epochs', 'abc', '--out', 'x'),
      /^latent-atlas: option '--epochs <n>' argument 'abc' is invalid/,
    );
    expectOneLineError(cli('eval'), /^latent-atlas: missing required argument 'ckpt'/);
  });

  it('answers --help and usage errors without loading the engine', () => {
    const root = path.resolve(__dirname, '../..');
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          path.join(root, 'node_modules/tsx/dist/loader.mjs'),
          '--import',
          path.join(__dirname, 'fixtures/no-engine.mjs'),
          path.join(root, 'src-main/cli/main.ts'),
          ...args,
        ],
        { encoding: 'utf8', cwd: root },
      );
    for (const args of [['--help'], ['train', '--help'], ['eval', '--help'], ['sample']]) {
      const r = run(...args);
      expect(r.stderr).not.toMatch(/loaded the engine dependency/);
    }
    expect(run('--help').stdout).toMatch(/serve/);
    // The hook does catch an engine load: `info` needs TensorFlow.js.
    expect(run('info').stderr).toMatch(/loaded the engine dependency @tensorflow/);
  });
  it('the built CLI bundle answers --help without the engine too (its chunks load lazily)', () => {
    const root = path.resolve(__dirname, '../..');
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    const outdir = mkdtempSync(path.join(root, 'test-results', 'dist-cli-'));
    try {
      const built = spawnSync(
        process.execPath,
        ['scripts/build.mjs', '--skip-renderer', '--outdir', outdir],
        { cwd: root, encoding: 'utf8' },
      );
      expect(built.status, built.stderr).toBe(0);
      const main = path.join(outdir, 'cli', 'main.js');
      const hook = path.join(__dirname, 'fixtures/no-engine.mjs');
      const help = spawnSync(process.execPath, ['--import', hook, main, '--help'], {
        encoding: 'utf8',
      });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/Usage: latent-atlas/);
      const serve = spawnSync(process.execPath, [main, 'serve', '--help'], { encoding: 'utf8' });
      expect(serve.stdout).toMatch(/--port/);
      const datasets = spawnSync(process.execPath, [main, 'datasets'], { encoding: 'utf8' });
      expect(datasets.stdout).toMatch(/toy:/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
