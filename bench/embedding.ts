/**
 * Importing an embedding without a model: a generated 100,000 × 128 embedding (ten Gaussian
 * blobs) with a 3-column metadata TSV (a unique name, a class of ten, a score with 1% missing),
 * imported as `latent-atlas import-embedding` does (importEmbeddingIntoLibrary, in process, the
 * median of --runs; and once as the CLI itself, a process from start to exit), from NPY and from
 * a TSV of vectors; then the first `latents` answer for it through `serve`'s supervisor (the
 * page's first request: 70,000 points with their metadata columns), cold (the host opens the
 * embedding; its process already started by a tiny embedding's cloud, timed apart) and warm.
 *
 *   npx tsx bench/embedding.ts [--n 100000] [--d 128] [--runs 3] [--no-tsv]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAtlasApi } from '../src-main/api/atlas-api';
import { MAX_POINTS } from '../src-main/api/contract';
import { importEmbeddingIntoLibrary } from '../src-main/host/library/embedding-import';
import { startServer } from '../src-main/server';
import { encodeNpy } from '../src-main/shared/maths/npy';
import { mulberry32, normal } from '../src-main/shared/random';
import { percentile, printTable } from './report';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 100_000);
const D = arg('d', 128);
const RUNS = arg('runs', 3);
const TSV = !process.argv.includes('--no-tsv');
const CLASSES = 10;

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (file: string) => round(statSync(file).size / 1024 ** 2, 1);

const work = mkdtempSync(path.join(os.tmpdir(), 'atlas-bench-embedding-'));
try {
  // The files, as a user would hand them over.
  let t = performance.now();
  const rng = mulberry32(7);
  const centres = Array.from({ length: CLASSES }, () =>
    Float32Array.from({ length: D }, () => 2 * normal(rng)),
  );
  const vectors = new Float32Array(N * D);
  const meta = ['name\tclass\tscore'];
  for (let i = 0; i < N; i++) {
    const c = i % CLASSES;
    for (let j = 0; j < D; j++) vectors[i * D + j] = centres[c][j] + normal(rng);
    const score = i % 100 === 7 ? '' : (rng() * 100).toFixed(2);
    meta.push(`point ${i}\tclass ${c}\t${score}`);
  }
  const npy = path.join(work, 'vectors.npy');
  writeFileSync(npy, encodeNpy(vectors, [N, D]));
  const metadata = path.join(work, 'metadata.tsv');
  writeFileSync(metadata, meta.join('\n') + '\n');
  const tsv = path.join(work, 'vectors.tsv');
  if (TSV) {
    const file = await open(tsv, 'w');
    for (let start = 0; start < N; start += 5_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(N, start + 5_000); i++)
        lines.push(
          Array.from(vectors.subarray(i * D, (i + 1) * D), (v) => v.toFixed(6)).join('\t'),
        );
      await file.write(lines.join('\n') + '\n');
    }
    await file.close();
  }
  console.log(
    `generated ${N} × ${D} (vectors.npy ${mib(npy)} MiB${TSV ? `, vectors.tsv ${mib(tsv)} MiB` : ''}, metadata.tsv ${mib(metadata)} MiB) in ${round((performance.now() - t) / 1000, 1)} s`,
  );

  const rows: (string | number)[][] = [];
  const results: Record<string, unknown> = { n: N, d: D, runs: RUNS };
  const library = path.join(work, 'library');
  let modelId = '';
  for (const [label, file] of [['NPY', npy], ...(TSV ? [['TSV', tsv]] : [])] as const) {
    const totals: number[] = [];
    const steps: { vectors: number; metadata: number; thumbs: number; write: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      t = performance.now();
      const done = await importEmbeddingIntoLibrary(library, { vectors: file, metadata }, label);
      totals.push((performance.now() - t) / 1000);
      steps.push(done.timings);
      modelId ||= done.modelId;
    }
    const median = (k: keyof (typeof steps)[number]) =>
      round(
        percentile(
          steps.map((s) => s[k]),
          50,
        ),
      );
    const figures = {
      seconds: round(percentile(totals, 50)),
      vectors: median('vectors'),
      metadata: median('metadata'),
      write: median('write'),
    };
    results[`import${label}`] = figures;
    rows.push([
      `import ${label} + metadata (in process)`,
      figures.seconds,
      figures.vectors,
      figures.metadata,
      figures.write,
    ]);
  }

  // The CLI itself: a process that loads, imports and prints.
  const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
  t = performance.now();
  const cli = spawnSync(
    process.execPath,
    [
      tsx,
      'src-main/cli/main.ts',
      'import-embedding',
      npy,
      '--metadata',
      metadata,
      '--library',
      library,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  const cliSeconds = round((performance.now() - t) / 1000);
  if (cli.status !== 0) throw new Error(`the CLI failed: ${cli.stderr}`);
  const said = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as { seconds: number };
  results.cli = { processSeconds: cliSeconds, importSeconds: said.seconds };
  rows.push(['latent-atlas import-embedding (process)', cliSeconds, '', '', '']);

  // A second, tiny embedding: asking for its cloud first starts the engine's batch host, so the
  // first answer for the large one measures opening it, not starting a process.
  const tiny = path.join(work, 'tiny.npy');
  writeFileSync(tiny, encodeNpy(vectors.subarray(0, 10 * D), [10, D]));
  const tinyId = (await importEmbeddingIntoLibrary(library, { vectors: tiny }, 'tiny')).modelId;

  // The page's first request for its cloud, through serve's supervisor.
  const server = await startServer({
    libraryDir: library,
    demoDir: null,
    warn: () => {},
  });
  try {
    const api = createAtlasApi(server.supervisor.invoke, server.supervisor.subscribe);
    await api.info();
    const latents = async () => {
      const start = performance.now();
      const cloud = await api.latents({ modelId, limit: MAX_POINTS });
      if (cloud.n !== Math.min(N, MAX_POINTS) || !cloud.metadata?.length)
        throw new Error(`unexpected cloud: n ${cloud.n}, ${cloud.metadata?.length} columns`);
      return (performance.now() - start) / 1000;
    };
    t = performance.now();
    await api.latents({ modelId: tinyId, limit: 10 });
    const hostStart = (performance.now() - t) / 1000;
    const cold = await latents();
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push(await latents());
    results.latents = {
      points: Math.min(N, MAX_POINTS),
      hostStartSeconds: round(hostStart),
      coldSeconds: round(cold),
      warmSeconds: round(percentile(warm, 50)),
    };
    rows.push(['engine batch host start + a 10-point cloud', round(hostStart), '', '', '']);
    rows.push([
      `first latents (${Math.min(N, MAX_POINTS)} points + metadata), cold`,
      round(cold),
      '',
      '',
      '',
    ]);
    rows.push(['latents again (warm, median of 5)', round(percentile(warm, 50)), '', '', '']);
  } finally {
    await server.close();
  }

  console.log();
  printTable(['step', 'seconds', 'vectors s', 'metadata s', 'write s'], rows);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/embedding.json', JSON.stringify(results, null, 2) + '\n');
  console.log('\nwritten to bench/results/embedding.json');
} finally {
  rmSync(work, { recursive: true, force: true });
}
