// `npm run bench [-- SUITE …]`: runs benchmark suites one after another, each in its own process
// (each picks its own backend and leaves no state behind). Figures only; nothing is asserted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Suite name → file, in default order. `quality`, `gaussianity` and `flows` train models (long):
 * only on request.
 */
const SUITES: Record<string, string> = {
  engine: 'bench/engine.ts',
  coverage: 'bench/coverage.ts',
  host: 'bench/host-decode.ts',
  clustering: 'bench/clustering.ts',
  viewer: 'bench/viewer.ts',
  'first-minute': 'bench/first-minute.ts',
  onnx: 'bench/onnx.ts',
  selection: 'bench/selection.ts',
  embedding: 'bench/embedding.ts',
  projections: 'bench/projections.ts',
  quality: 'bench/svae-quality.ts',
  gaussianity: 'bench/gaussianity.ts',
  flows: 'bench/flows.ts',
};
const DEFAULT = ['engine', 'coverage', 'host', 'clustering', 'viewer'];

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const names = args.filter((a) => !a.startsWith('--'));
const chosen = names.length ? names : DEFAULT;
const unknown = chosen.filter((n) => !SUITES[n]);
if (unknown.length) {
  console.error(
    `unknown suite ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`,
  );
  process.exit(2);
}
const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
let failed = 0;
for (const name of chosen) {
  const file = SUITES[name];
  console.log(`\n== ${name} (${file}) ==`);
  if (!existsSync(file)) {
    console.log('(not present in this build)');
    continue;
  }
  const r = spawnSync(process.execPath, [tsx, file, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
