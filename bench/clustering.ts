// Clustering benchmark: a mixture-prior VAE (K = 10, d = 10, MLP 784-500-500-d) on MNIST, and the
// accuracy of its cluster assignments on the test digits under the best one-to-one matching of
// clusters to labels (Hungarian algorithm). Prints figures per epoch; asserts nothing.
//   --quick            10k training digits, 3 epochs (a smoke run)
//   --epochs=N         training epochs (default 20)
//   --balance=λ        anti-collapse weight (default: the geometry's)
//   --invariance=μ     weight of the distortion-consistency term (default: the geometry's; 0 = off)
//   --seed=N           seed of the weights and the batches (default 0)
//   --pretrain=N       VaDE-style start: N epochs, then the prior set from a GMM fitted to the codes
import { initBackend } from '../src-main/engine/backend';
import { openDataset } from '../src-main/engine/data/registry';
import { fitGmm } from '../src-main/engine/latent/gmm';
import { clusterAssignments, clusteringAccuracy } from '../src-main/engine/latent/clustering';
import type { MixtureLatent } from '../src-main/engine/latent/mixture';
import { Vae } from '../src-main/engine/model/model';
import { tf } from '../src-main/engine/tf';
import { Trainer } from '../src-main/engine/training/train';
import { printTable } from './report';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = process.argv.includes('--quick');
const epochs = Number(flag('epochs') ?? (quick ? 3 : 20));
const pretrain = Number(flag('pretrain') ?? 0);
const balance = flag('balance');
const invariance = flag('invariance');
const seed = Number(flag('seed') ?? 0);
const d = 10;
const k = 10;

const report = await initBackend();
const data = await openDataset('mnist', quick ? { limit: 10_000 } : {});
const vae = Vae.create(
  {
    inputShape: [28, 28, 1],
    latent: {
      kind: 'mixture',
      dim: d,
      components: k,
      ...(balance ? { balance: Number(balance) } : {}),
      ...(invariance ? { invariance: Number(invariance) } : {}),
    },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'mlp', hidden: [500, 500] },
    likelihood: 'bernoulli',
  },
  seed,
);
const geometry = vae.geometry as MixtureLatent;
const all = (n: number) => Array.from({ length: n }, (_, i) => i);
const testX = data.test.batch(all(data.test.count));

let assignments: Int32Array = new Int32Array(0);
function accuracy(): { accuracy: number; used: number } {
  const n = data.test.count;
  const codes = vae.encode(testX, n);
  assignments = tf.tidy(() => clusterAssignments(geometry, tf.tensor2d(codes, [n, d])));
  return {
    accuracy: clusteringAccuracy(assignments, data.test.labels!),
    used: new Set(assignments).size,
  };
}

console.log(
  `mixture VAE, K = ${k}, d = ${d}, balance λ = ${geometry.balance}, invariance μ = ${geometry.invariance}, ${data.train.count} training digits, backend ${report.backend}`,
);
const rows: (string | number)[][] = [];
const started = performance.now();
if (pretrain > 0) {
  await new Trainer(vae, data, { epochs: pretrain, batchSize: 128 }).run();
  const n = data.train.count;
  const codes = vae.encode(data.train.batch(all(n)), n);
  geometry.initializeFrom(fitGmm(codes, n, d, k, 1, { covariance: 'diag' }));
  const a = accuracy();
  rows.push([
    `pretrain ${pretrain} + GMM`,
    '',
    (100 * a.accuracy).toFixed(1),
    a.used,
    ((performance.now() - started) / 1000).toFixed(0),
  ]);
}
const trainer = new Trainer(vae, data, { epochs, batchSize: 128, seed: seed + 1 });
trainer.on('epoch', (e) => {
  const a = accuracy();
  rows.push([
    e.epoch,
    (e.test.elbo ?? NaN).toFixed(1),
    (100 * a.accuracy).toFixed(1),
    a.used,
    ((performance.now() - started) / 1000).toFixed(0),
  ]);
  console.log(`epoch ${e.epoch}: accuracy ${(100 * a.accuracy).toFixed(1)}%`);
});
await trainer.run();
printTable(['epoch', 'test ELBO', 'accuracy %', 'clusters used', 'seconds'], rows);
console.log(
  `clustering accuracy (Hungarian-matched, ${data.test.count} test digits): ${rows.at(-1)![2]}%`,
);
// Which digits each cluster holds: merges and splits at a glance.
const counts = Array.from({ length: k }, () => new Array<number>(10).fill(0));
assignments.forEach((c, i) => counts[c][data.test.labels![i]]++);
printTable(
  ['cluster', ...Array.from({ length: 10 }, (_, j) => `digit ${j}`)],
  counts.map((row, c) => [c, ...row]),
);
vae.dispose();
trainer.dispose();
