// The worker-computed projections on 10,000 × 16 latents (ten Gaussian clusters): UMAP (umap-js,
// on its first UMAP_MAX rows) and t-SNE, exact on 2,000 rows (the former cap) and Barnes–Hut on
// 2,000 and on TSNE_MAX rows, each then extended to all 10,000 by nearest sampled neighbour, as
// the page does. Seconds, in Node on the pure modules (the page runs the same code in a Web
// Worker), and the share of the 10 nearest neighbours in the final 3D embedding (of 1,000 query
// points, all 10,000 searched) that share the point's cluster. Prints figures; asserts nothing.
// Flags: --points N (default 10000), --dim D (default 16).
import { runTsne, TSNE_MAX } from '../src-renderer/lib/projection/tsne-run';
import { extendEmbedding, runUmap, UMAP_MAX } from '../src-renderer/lib/projection/umap-run';
import { printTable } from './report';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const N = Number(option('--points', '10000'));
const D = Number(option('--dim', '16'));

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const means = new Float32Array(N * D);
for (let i = 0; i < N; i++)
  for (let j = 0; j < D; j++) means[i * D + j] = (j === i % 10 ? 4 : 0) + gauss();
const set = { means, n: N, dim: D };

/** Of the 10 nearest neighbours in e (n × 3) of every (n / 1,000)th point, the share in its cluster. */
function neighbourAgreement(e: Float32Array, n: number): number {
  const step = Math.max(1, Math.floor(n / 1000));
  const dist = new Float64Array(n);
  let same = 0;
  let total = 0;
  for (let i = 0; i < n; i += step) {
    for (let j = 0; j < n; j++) {
      const a = e[i * 3] - e[j * 3];
      const b = e[i * 3 + 1] - e[j * 3 + 1];
      const c = e[i * 3 + 2] - e[j * 3 + 2];
      dist[j] = j === i ? Infinity : a * a + b * b + c * c;
    }
    const order = Array.from(dist.keys()).sort((x, y) => dist[x] - dist[y]);
    for (let m = 0; m < 10; m++) if (order[m] % 10 === i % 10) same++;
    total += 10;
  }
  return same / total;
}

const rows: string[][] = [];
for (const [name, cap, run] of [
  ['UMAP (umap-js)', UMAP_MAX, (n: number) => runUmap(means, n, D, { seed: 1 })],
  ['t-SNE exact', 2000, (n: number) => runTsne(means, n, D, { seed: 1, method: 'exact' })],
  [
    't-SNE Barnes–Hut θ = 0.5',
    2000,
    (n: number) => runTsne(means, n, D, { seed: 1, method: 'barnes-hut' }),
  ],
  [
    't-SNE Barnes–Hut θ = 0.5',
    TSNE_MAX,
    (n: number) => runTsne(means, n, D, { seed: 1, method: 'barnes-hut' }),
  ],
] as const) {
  const sample = Math.min(N, cap);
  const t0 = performance.now();
  let embedding = run(sample);
  const t1 = performance.now();
  if (sample < N) embedding = extendEmbedding(set, embedding, sample);
  const t2 = performance.now();
  rows.push([
    name,
    `${sample} of ${N}`,
    ((t1 - t0) / 1000).toFixed(1),
    ((t2 - t1) / 1000).toFixed(1),
    ((t2 - t0) / 1000).toFixed(1),
    neighbourAgreement(embedding, N).toFixed(3),
  ]);
}
printTable(
  ['projection', 'embedded', 'embed s', 'extend s', 'total s', '10-NN same cluster'],
  rows,
);
