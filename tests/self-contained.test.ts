// A clone must pass `npm test` with nothing beside it: no source, test, benchmark or script may
// reach for a file above the repository's root (as the reference values once did).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const FOLDERS = ['tests', 'src-main', 'src-renderer', 'bench', 'scripts'];
const SOURCE = /\.(ts|mts|js|mjs|cjs|svelte|sh|py)$/;
/** Paths that leave the repository: the shared folder beside it, or a machine-specific root. */
const OUTSIDE = [/\.\.\/shared\//, /['"`]\/work\//, /\.\.\/\.\.\/\.\.\/\.\.\//];

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (SOURCE.test(entry.name)) yield full;
  }
}

describe('the repository stands on its own', () => {
  it('reads no path outside itself', () => {
    const offenders: string[] = [];
    for (const folder of FOLDERS) {
      for (const file of files(path.join(root, folder))) {
        if (file === import.meta.filename) continue;
        const text = readFileSync(file, 'utf8');
        text.split('\n').forEach((line, i) => {
          if (OUTSIDE.some((pattern) => pattern.test(line)))
            offenders.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders).toEqual([]);
  });
});
