// Selecting points (src-renderer/lib/selection/): a lasso and a box through a perspective camera,
// and the search box's filters (labels, error range, index range, a metadata number range and
// categories, near a coverage hole, several combined), each over 1,000,000 points; and a shift-add
// of two masks. Milliseconds, median and best of the runs, in Node on the pure modules and, where
// Debian's Chromium is installed, in headless Chromium on the same code bundled with esbuild
// (what the page runs). Prints figures; asserts nothing. Flags: --points N (default 1000000),
// --runs N (default 9), --no-chromium.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CHROMIUM, launchChromium } from '../tests/e2e/chromium';
import type * as Filters from '../src-renderer/lib/selection/filters';
import type * as Lasso from '../src-renderer/lib/selection/lasso';
import type * as Masks from '../src-renderer/lib/selection/mask';
import { printTable } from './report';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const N = Number(option('--points', '1000000'));
const RUNS = Number(option('--runs', '9'));

/**
 * The benchmark itself, as one self-contained function of the selection modules: Node calls it
 * with the modules imported, Chromium with them bundled into the page. Returns per case the
 * times of every run (ms) and what it selected.
 */
async function measure(
  lib: {
    selectOnScreen: typeof Lasso.selectOnScreen;
    parseQuery: typeof Filters.parseQuery;
    compile: typeof Filters.compile;
    evaluate: typeof Filters.evaluate;
    combineMasks: typeof Masks.combineMasks;
  },
  n: number,
  runs: number,
): Promise<Record<string, { times: number[]; selected: number }>> {
  // A seeded cloud: 3D positions (a squashed Gaussian blob) and 16-dimensional latents.
  let s = 12345;
  const uniform = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const dim = 16;
  const positions = new Float32Array(n * 3);
  for (let i = 0; i < n * 3; i++) positions[i] = normal() * (i % 3 === 2 ? 0.5 : 1);
  const means = new Float32Array(n * dim);
  for (let i = 0; i < n * dim; i++) means[i] = normal();
  const labels = new Int32Array(n);
  const errors = new Float32Array(n);
  const indices = new Int32Array(n);
  const age = new Float32Array(n);
  const kind = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    errors[i] = 60 + 40 * normal();
    indices[i] = i;
    age[i] = 100 * uniform();
    kind[i] = i % 7;
  }
  const source = {
    n,
    dim,
    means,
    labels,
    labelNames: Array.from({ length: 10 }, (_, i) => `class-${i}`),
    errors,
    indices,
    metadata: [
      { name: 'age', kind: 'number' as const, values: age },
      {
        name: 'kind',
        kind: 'category' as const,
        codes: kind,
        categories: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      },
    ],
  };
  // Eight hole centres a little off the data, with a threshold that keeps a few per cent.
  const holes = {
    centers: Array.from({ length: 8 }, (_, h) =>
      Array.from({ length: dim }, (_, j) => (j === h ? 2.5 : 0)),
    ),
    threshold: 3,
  };

  // A camera at (0, 0, 4) looking at the origin, 45° field of view, on a 1280 × 720 canvas:
  // projection × view, column-major (as three.js and WebGL store it).
  const width = 1280;
  const height = 720;
  const f = 1 / Math.tan((45 * Math.PI) / 360);
  const near = 0.04;
  const far = 400;
  // prettier-ignore
  const viewProjection = [
    f / (width / height), 0, 0, 0,
    0, f, 0, 0,
    0, 0, (far + near) / (near - far), -1,
    0, 0, (2 * far * near) / (near - far) - 4 * ((far + near) / (near - far)), 4,
  ];
  const camera = { viewProjection, width, height };
  // A hand-drawn lasso: 240 vertices round the middle of the canvas, wobbling.
  const lasso: number[] = [];
  for (let k = 0; k < 240; k++) {
    const a = (k / 240) * 2 * Math.PI;
    const r = 1 + 0.15 * Math.sin(5 * a) + 0.05 * Math.sin(17 * a);
    lasso.push(640 + 260 * r * Math.cos(a), 360 + 190 * r * Math.sin(a));
  }
  const out = new Uint8Array(n);
  const cases: [string, () => number][] = [
    [
      'lasso (240 vertices)',
      () => lib.selectOnScreen(positions, n, camera, { kind: 'lasso', points: lasso }, out).count,
    ],
    [
      'box',
      () =>
        lib.selectOnScreen(
          positions,
          n,
          camera,
          { kind: 'box', x0: 400, y0: 200, x1: 900, y1: 520 },
          out,
        ).count,
    ],
  ];
  for (const text of [
    'label:3,7',
    'class-4',
    'error > 120',
    'index 250000-749999',
    'age 20-40',
    'kind=b,e',
    'hole',
    'label:1,2,3 error>50 age<70 kind!=a',
  ]) {
    const compiled = lib.compile(source, lib.parseQuery(text), holes);
    cases.push([`filter ${text}`, () => lib.evaluate(source, compiled, null, out).count]);
  }
  const a = lib.evaluate(source, lib.compile(source, lib.parseQuery('label:1')), null).mask;
  const b = lib.evaluate(source, lib.compile(source, lib.parseQuery('error>100')), null).mask;
  cases.push(['shift-add two masks', () => lib.combineMasks(a, b, 'add').count]);

  const results: Record<string, { times: number[]; selected: number }> = {};
  for (const [name, run] of cases) {
    const times: number[] = [];
    let selected = run(); // warm-up
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      selected = run();
      times.push(performance.now() - start);
    }
    results[name] = { times, selected };
  }
  return results;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => x.toFixed(1);

const lib = {
  ...(await import('../src-renderer/lib/selection/lasso')),
  ...(await import('../src-renderer/lib/selection/filters')),
  ...(await import('../src-renderer/lib/selection/mask')),
};
console.log(`selection over ${N.toLocaleString('en')} points, ${RUNS} runs each (ms)`);
const node = await measure(lib, N, RUNS);

let browser: Record<string, { times: number[]; selected: number }> | null = null;
if (!args.includes('--no-chromium') && existsSync(CHROMIUM)) {
  // The same modules as the page gets them: bundled for the browser, run in a blank page.
  const bundle = await build({
    stdin: {
      contents: [
        "export * from './src-renderer/lib/selection/lasso';",
        "export * from './src-renderer/lib/selection/filters';",
        "export * from './src-renderer/lib/selection/mask';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'selectionLib',
    write: false,
    target: 'es2022',
  });
  const chromium = await launchChromium({ gl: 'none' });
  try {
    const page = await chromium.newPage();
    // tsx names functions with esbuild's `__name` helper: `measure` brings calls to it along.
    await page.addScriptTag({ content: 'var __name = (f) => f;' });
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    browser = (await page.evaluate(
      `(${measure.toString()})(selectionLib, ${N}, ${RUNS})`,
    )) as typeof node;
  } finally {
    await chromium.close();
  }
}

const rows = Object.entries(node).map(([name, r]) => {
  const c = browser?.[name];
  return [
    name,
    r.selected.toLocaleString('en'),
    ms(median(r.times)),
    ms(Math.min(...r.times)),
    c ? ms(median(c.times)) : '–',
    c ? ms(Math.min(...c.times)) : '–',
  ];
});
printTable(['case', 'selected', 'node p50', 'node min', 'chromium p50', 'chromium min'], rows);
if (!browser) console.log('(no Chromium at /usr/bin/chromium: Node figures only)');
