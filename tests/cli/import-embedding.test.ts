import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../engine/helpers';
import { cli } from './run-cli';

const POND = path.resolve('tests/fixtures/embedding/pond');

/** An error: one line on stderr with the prefix every error has, and a non-zero exit. */
function oneLineError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^latent-atlas: /);
  expect(lines[0]).toMatch(pattern);
}

describe('latent-atlas import-embedding', () => {
  it('imports vectors, metadata and a sprite into the library, where the CLI opens it', () => {
    const library = tempDir('atlas-cli-emb-');
    const r = cli(
      'import-embedding',
      path.join(POND, 'vectors.tsv'),
      '--metadata',
      path.join(POND, 'metadata.tsv'),
      '--sprite',
      path.join(POND, 'sprite.png'),
      '--thumb',
      '8x8',
      '--name',
      'Pond',
      '--library',
      library,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.lines.at(-1)!;
    expect(out).toMatchObject({
      name: 'Pond',
      kind: 'embedding',
      n: 60,
      d: 6,
      thumbs: { width: 8, height: 8, columns: 8, channels: 3 },
    });
    expect((out.columns as { name: string }[]).map((c) => c.name)).toEqual([
      'name',
      'species',
      'size',
      'note',
    ]);
    const dir = path.join(library, out.modelId as string);
    expect(readdirSync(dir).sort()).toEqual([
      'embedding.json',
      'metadata.json',
      'metadata.npy',
      'sprite.png',
      'vectors.npy',
    ]);
    const names = JSON.parse(readFileSync(path.join(library, '.atlas', 'library.json'), 'utf8'));
    expect(names.names[out.modelId as string]).toBe('Pond');
    // The people's line says what came in.
    const human = cli('import-embedding', POND, '--library', library);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /^imported pond \(embedding, 60 points, d = 6; metadata: name \(60 categories\), species \(4 categories\), size \(number\), note \(4 categories\); thumbnails 8×8; no decoder\) into .* as pond-[0-9a-f]{6} in [\d.]+ s\n$/,
    );
    // The library's copy decodes nothing: the CLI says so in one line.
    oneLineError(
      cli('sample', dir, '--n', '4', '--out', path.join(library, 'x.png')),
      /an imported embedding has no decoder: its points are given vectors/,
    );
    oneLineError(
      cli('decode', dir, path.join(dir, 'vectors.npy'), '--out', path.join(library, 'y.png')),
      /no decoder/,
    );
  });

  it('refuses mismatched files in one line naming them, and copies nothing', () => {
    const library = tempDir('atlas-cli-emb-');
    const work = tempDir('atlas-cli-emb-');
    const meta = path.join(work, 'meta.tsv');
    writeFileSync(
      meta,
      readFileSync(path.join(POND, 'metadata.tsv'), 'utf8').split('\n').slice(0, 30).join('\n'),
    );
    oneLineError(
      cli(
        'import-embedding',
        path.join(POND, 'vectors.npy'),
        '--metadata',
        meta,
        '--library',
        library,
      ),
      /meta\.tsv has 29 rows after its header but vectors\.npy has 60 vectors/,
    );
    oneLineError(
      cli(
        'import-embedding',
        path.join(POND, 'vectors.npy'),
        '--sprite',
        path.join(POND, 'sprite.png'),
        '--thumb',
        '16x16',
        '--library',
        library,
      ),
      /sprite\.png is 64×64 pixels: a grid of 4 × 4 = 16 thumbnails, fewer than the 60 points/,
    );
    oneLineError(
      cli(
        'import-embedding',
        path.join(POND, 'vectors.npy'),
        '--thumb',
        'big',
        '--library',
        library,
      ),
      /--thumb "big": expected WxH/,
    );
    oneLineError(
      cli('import-embedding', path.join(work, 'nothing.npy'), '--library', library),
      /nothing\.npy: cannot read \(ENOENT\)/,
    );
    expect(
      existsSync(library) ? readdirSync(library).filter((f) => !f.startsWith('.')) : [],
    ).toEqual([]);
  });

  it('answers --help without loading the engine', () => {
    const root = path.resolve(__dirname, '../..');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        path.join(root, 'node_modules/tsx/dist/loader.mjs'),
        '--import',
        path.join(__dirname, 'fixtures/no-engine.mjs'),
        path.join(root, 'src-main/cli/main.ts'),
        'import-embedding',
        '--help',
      ],
      { encoding: 'utf8', cwd: root },
    );
    expect(r.stderr).not.toMatch(/loaded the engine dependency/);
    expect(r.stdout).toMatch(/--metadata <tsv>/);
    expect(r.stdout).toMatch(/--thumb <WxH>/);
  });
});
