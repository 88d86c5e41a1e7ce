#!/usr/bin/env node
// Builds the app into dist/: esbuild bundles of the Electron main process (ESM), the sandboxed
// preload (CommonJS: a sandboxed preload cannot load ES modules), the engine host process, the
// `serve` server and the CLI; then the renderer with vite when it has a vite.config.ts.
// Dependencies stay external (node_modules ships with the app; native TensorFlow.js and sharp
// cannot be bundled). Flags: --skip-renderer, --outdir DIR (default dist).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const outdir = path.resolve(root, option('--outdir', 'dist'));
const src = (file) => path.join(root, 'src-main', file);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};
// ES module bundles that still need `require` for a few CommonJS-only paths.
const esm = {
  ...common,
  format: 'esm',
  packages: 'external',
  banner: {
    js: "import { createRequire as __atlasCreateRequire } from 'node:module'; const require = __atlasCreateRequire(import.meta.url);",
  },
};

const bundles = [
  {
    ...esm,
    entryPoints: [src('main.ts')],
    outfile: path.join(outdir, 'main', 'main.js'),
    external: ['electron'],
  },
  {
    ...common,
    format: 'cjs',
    entryPoints: [src('preload.ts')],
    outfile: path.join(outdir, 'main', 'preload.cjs'),
    external: ['electron'],
  },
  {
    ...esm,
    entryPoints: [src('host/process/process-main.ts')],
    outfile: path.join(outdir, 'host', 'host.js'),
  },
  {
    ...esm,
    entryPoints: [src('server/index.ts')],
    outfile: path.join(outdir, 'server', 'index.js'),
  },
];
if (existsSync(src('cli/main.ts'))) {
  // Split into chunks so the commands' dynamic imports stay lazy: `--help` loads neither the
  // engine nor TensorFlow.js (a single file would import every external package at start).
  bundles.push({
    ...esm,
    entryPoints: { main: src('cli/main.ts') },
    outdir: path.join(outdir, 'cli'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
}

const started = Date.now();
for (const part of ['main', 'host', 'server', 'cli'])
  rmSync(path.join(outdir, part), { recursive: true, force: true });
await Promise.all(bundles.map((options) => build(options)));
console.log(
  `built ${bundles.length} bundles into ${path.relative(root, outdir) || '.'}/ in ${Date.now() - started} ms`,
);

if (!flag('--skip-renderer') && existsSync(path.join(root, 'vite.config.ts'))) {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', path.join(outdir, 'renderer'), '--emptyOutDir'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
