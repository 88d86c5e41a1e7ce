import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../engine/helpers';
import { cli } from './run-cli';

// `--set KEY=VALUE` reaches any setting a geometry or objective declares (latent-atlas parts).
describe('latent-atlas train --set', () => {
  it('stores a declared setting in the checkpoint, and refuses others with the ones it knows', () => {
    const out = path.join(tempDir('atlas-set-'), 'run');
    const base = ['train', '--data', 'toy:moons', '--limit', '200', '--epochs', '1', '--out', out];
    const unknown = cli(...base, '--objective', 'swd', '--set', 'kernel=2');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(
      /--set kernel=2: "kernel" is no setting of --latent gaussian or --objective swd; settings here: projections/,
    );
    const range = cli(...base, '--objective', 'swd', '--set', 'projections=0');
    expect(range.stderr).toMatch(/projections takes an integer from 1 to 10000/);
    const ok = cli(...base, '--objective', 'swd', '--set', 'projections=7');
    expect(ok.code, ok.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model.objective).toMatchObject({ kind: 'swd', projections: 7 });
    const resumed = cli(
      'train',
      '--out',
      out,
      '--resume',
      '--epochs',
      '2',
      '--set',
      'projections=9',
    );
    expect(resumed.stderr).toMatch(/--set shapes a new model/);
  });

  it('lists every part with its settings', () => {
    const listed = cli('parts');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/--latent gaussian, sphere, power-sphere, mixture:K/);
    expect(listed.stdout).toMatch(/Projections \(projections, 1–10000, default 50\)/);
    expect(listed.stdout).toMatch(/sphere .*\n\s+not with --objective l2/);
  });
});
