// A clone must pass `npm test` with nothing beside it: no source, test, benchmark or script may
// reach for a file above the repository's root (as the reference values once did).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const FOLDERS = ['tests', 'src-main', 'src-renderer', 'bench', 'scripts'];
const SOURCE = /\.(ts|mts|js|mjs|cjs|svelte|sh|py)$/;
/** A machine-specific root. */
const ABSOLUTE = /['"`]\/work\//;
/** Quoted relative paths, which must resolve inside the repository (not the shared folder beside it). */
const RELATIVE = /['"`]((?:\.\.\/)+[^'"`\s]*)/g;

function leaves(file: string, line: string): boolean {
  if (ABSOLUTE.test(line)) return true;
  for (const [, relative] of line.matchAll(RELATIVE)) {
    const target = path.resolve(path.dirname(file), relative);
    if (path.relative(root, target).startsWith('..')) return true;
  }
  return false;
}

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
          if (leaves(file, line))
            offenders.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders).toEqual([]);
  });
});
