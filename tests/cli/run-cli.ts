import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/loader.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed. */
  lines: Record<string, unknown>[];
}

/** Runs `latent-atlas ARGS` from the sources, as a user would, and collects its output. */
export function cli(...args: string[]): CliResult {
  const r = spawnSync(
    process.execPath,
    ['--import', tsx, path.join(root, 'src-main/cli/main.ts'), ...args],
    {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, LATENT_ATLAS_BACKEND: process.env.LATENT_ATLAS_BACKEND ?? '' },
      timeout: 170_000,
    },
  );
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, lines };
}
