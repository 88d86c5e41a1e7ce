import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The page and src-main form no import circle, type-only imports included: a circle between
 * stores (each importing the app for its type while the app imports them) made every store
 * depend on all the others. The graph is read from the sources: `import … from`, `import type`,
 * `export … from`, bare and dynamic imports, with relative paths resolved as vite does for
 * .ts, .svelte and .svelte.ts files.
 */

const ROOT = resolve(__dirname, '../src-renderer');
const MAIN = resolve(__dirname, '../src-main');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|svelte)$/.test(name) ? [path] : [];
  });
}

/** Module specifiers a file imports (statically, as types, re-exported, or dynamically). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  // At a line's start (indented in a .svelte script); the clause holds only names, braces,
  // commas, `*`, `as` and `type`, so `export const x = '…'` is not mistaken for one.
  const statement =
    /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"\n]+)['"]/gm;
  const dynamic = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;
  for (const re of [statement, dynamic]) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

function resolveImport(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.svelte`, join(base, 'index.ts')])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

/** Every circle found by a depth-first walk (one per back edge), each as a closed path. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function importGraph(root = ROOT): { graph: Map<string, string[]>; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(root)) {
    const name = relative(root, file);
    const edges: string[] = [];
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // packages cannot import the renderer back
      const target = resolveImport(file, spec);
      if (target === null) unresolved.push(`${name}: ${spec}`);
      // Files outside the renderer (src-main's API types) never import it, so no circle runs
      // through them; stylesheets have no imports.
      else if (target.startsWith(root) && /\.(ts|svelte)$/.test(target))
        edges.push(relative(root, target));
    }
    graph.set(name, edges);
  }
  return { graph, unresolved };
}

describe('the import graph', () => {
  it('reads every kind of import and finds a circle where there is one', () => {
    expect(
      specifiers(
        [
          "import { a } from './a';",
          "  import type {\n    B,\n    C,\n  } from '../b.svelte';",
          "import * as d from './d';",
          "export { e } from './e';",
          "import './f.css';",
          "const g = await import('./g');",
          "export const h = 'not/an/import';",
        ].join('\n'),
      ),
    ).toEqual(['./a', '../b.svelte', './d', './e', './f.css', './g']);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no import circle under src-renderer', () => {
    const { graph, unresolved } = importGraph();
    expect(unresolved).toEqual([]);
    // The walk sees real imports: a .svelte.ts store, a type-only one, a component's.
    expect(graph.get('stores/app.svelte.ts')).toContain('stores/cloud.svelte.ts');
    expect(graph.get('stores/traversal.svelte.ts')).toContain('stores/favourites.svelte.ts');
    expect(graph.get('components/ViewerPanel.svelte')).toContain('components/ImageCanvas.svelte');
    const cycles = findCycles(graph).map((c) => c.join(' → '));
    expect(cycles, `import circles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('has no import circle under src-main either (the engine, contract, hosts, transports)', () => {
    const { graph, unresolved } = importGraph(MAIN);
    expect(unresolved.filter((u) => !u.endsWith('.mjs'))).toEqual([]);
    expect(graph.get('engine/model/model.ts')).toContain('engine/latent/registry.ts');
    const cycles = findCycles(graph).map((c) => c.join(' → '));
    expect(cycles, `import circles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('leaves app.svelte.ts to the app, its components and the tests', () => {
    const importers = [...importGraph().graph]
      .filter(([, edges]) => edges.includes('stores/app.svelte.ts'))
      .map(([file]) => file);
    expect(importers.filter((f) => f.startsWith('stores/') || f.startsWith('viewer/'))).toEqual([]);
  });
});
