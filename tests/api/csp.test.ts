import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/**
 * The page runs under a CSP without 'unsafe-eval'. zod compiles object parsers with
 * `new Function` unless it is told not to, and even its probe for that is reported as a CSP
 * violation, so the contract code the page loads must switch zod to its interpreter first.
 */
const API_DIR = path.resolve(__dirname, '../../src-main/api');

/** The module specifiers a file imports at run time (type-only imports left out), in order. */
function runtimeImports(file: string): string[] {
  const source = readFileSync(path.join(API_DIR, file), 'utf8');
  return [...source.matchAll(/^import\s+(?!type\b)(?:[^'";]*?from\s+)?['"]([^'"]+)['"]/gm)].map(
    (m) => m[1],
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the contract under a strict CSP', () => {
  it('the WebSocket client (the page’s contract code) configures zod before anything else', () => {
    expect(runtimeImports('client-ws.ts')[0]).toBe('./zod-config');
  });

  it('every contract module that builds schemas configures zod before importing it', () => {
    const files = readdirSync(API_DIR).filter((f) => f.endsWith('.ts') && f !== 'zod-config.ts');
    const builders = files.filter((f) => runtimeImports(f).includes('zod'));
    expect(builders.length).toBeGreaterThan(3);
    for (const file of builders) {
      const imports = runtimeImports(file);
      expect(imports.indexOf('./zod-config'), file).toBe(0);
    }
  });

  it('parses requests and replies without ever calling Function', async () => {
    await import('../../src-main/api/client-ws');
    expect(z.config().jitless).toBe(true);
    const { parseParams, parseResult } = await import('../../src-main/api/validate');
    const spy = vi.spyOn(globalThis, 'Function');
    const fresh = z.strictObject({ a: z.number(), b: z.object({ c: z.string() }) });
    expect(fresh.parse({ a: 1, b: { c: 'x' } })).toEqual({ a: 1, b: { c: 'x' } });
    expect(parseParams('items', { modelId: 'm', indices: Int32Array.from([1, 2]) }).split).toBe(
      'all',
    );
    parseResult('describeDataset', {
      dataset: {
        spec: 'toy:moons',
        options: {},
        name: 'moons',
        itemShape: [2],
        trainCount: 5,
        testCount: 1,
        warnings: [],
        preview: {
          images: new Float32Array(2),
          n: 1,
          shape: [2],
          indices: Int32Array.from([0]),
          labels: null,
        },
      },
    });
    expect(spy).not.toHaveBeenCalled();
  });
});
