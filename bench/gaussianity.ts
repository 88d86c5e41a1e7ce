// "Must a VAE's latent space be Gaussian?" with numbers (issue 15): train the Gaussian VAE (KL),
// the aggregate objectives (MMD, sliced Wasserstein, Cramér-Wold, CDF matching) with a stochastic
// and with a deterministic encoder (WAE), at the same latent size and epochs on MNIST, then put
// each encoded test set through the coverage report: how Gaussian do the codes look (radius and
// pairwise-distance KS against chi_d, Mardia), and at what cost in reconstruction.
// `npm run bench -- gaussianity [--epochs=10] [--dim=8] [--only=kl,mmd-det]`.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchArg, runCli } from './cli-runs';
import { printTable } from './report';

const epochs = benchArg('--epochs', '10');
const dim = benchArg('--dim', '8');
const out = path.resolve(benchArg('--out', 'bench/results/gaussianity'));
mkdirSync(out, { recursive: true });

interface Run {
  name: string;
  objective: string;
  weight: number;
  encoder: 'stochastic' | 'deterministic';
}

// Weights: β = 1 for KL; λ = 10 for MMD as WAE on MNIST; 10 for sliced Wasserstein (its SW₂²
// is small next to the reconstruction's nats); 100 for Cramér-Wold, whose penalty is λ·log d²
// (CWAE's cost): at λ = 1 its gradient is lost beside a reconstruction summed over 784 pixels
// (a 10-epoch run left the codes far outside the prior: radius KS D = 0.997); 1 for CDF
// matching (n·ω², the W² statistic: ≈ 1/6 per term when the batch follows the prior).
const RUNS: Run[] = [
  { name: 'kl', objective: 'kl', weight: 1, encoder: 'stochastic' },
  { name: 'mmd', objective: 'mmd', weight: 10, encoder: 'stochastic' },
  { name: 'swd', objective: 'swd', weight: 10, encoder: 'stochastic' },
  { name: 'cw', objective: 'cw', weight: 100, encoder: 'stochastic' },
  { name: 'cdf', objective: 'cdf', weight: 1, encoder: 'stochastic' },
  { name: 'mmd-det', objective: 'mmd', weight: 10, encoder: 'deterministic' },
  { name: 'swd-det', objective: 'swd', weight: 10, encoder: 'deterministic' },
  { name: 'cw-det', objective: 'cw', weight: 100, encoder: 'deterministic' },
  { name: 'cdf-det', objective: 'cdf', weight: 1, encoder: 'deterministic' },
];
const only = benchArg('--only', '');
const chosen = only ? RUNS.filter((r) => only.split(',').includes(r.name)) : RUNS;

const cli = (args: string[], log: string) =>
  runCli(
    args,
    log,
    (r) =>
      `epoch ${r.epoch} test reconstruction ${(r.reconstruction as number | undefined)?.toFixed(2)}`,
  );

/** What the table reads of the coverage report; a statistic is null where it is undefined (e.g.
 * Mardia's for codes whose covariance is singular, as a collapsed encoder gives). */
interface Coverage {
  radius_ks: { statistic: number } | null;
  pairwise_ks: { statistic: number } | null;
  mardia: { skewness: { b1: number } | null; kurtosis: { b2: number } | null } | null;
  mmd: { value: number } | null;
}

const figure = (v: number | undefined, digits: number) =>
  v === undefined ? 'n/a' : v.toFixed(digits);

async function run(r: Run) {
  const dir = path.join(out, r.name);
  const started = performance.now();
  await cli(
    [
      'train',
      '--data',
      'mnist',
      '--latent-dim',
      dim,
      '--objective',
      r.objective,
      '--beta',
      String(r.weight),
      '--encoder',
      r.encoder,
      '--hidden',
      '512,256',
      '--epochs',
      epochs,
      '--seed',
      '1',
      '--out',
      dir,
      '--resume',
    ],
    r.name,
  );
  const minutes = (performance.now() - started) / 60_000;
  const e = await cli(['eval', dir], `${r.name} eval`);
  const c = e.coverage as Coverage;
  return { ...r, minutes, e, c };
}

// Two runs at a time: one per core.
const results: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < chosen.length; i += 2)
  results.push(...(await Promise.all(chosen.slice(i, i + 2).map(run))));

const d = Number(dim);
printTable(
  [
    'objective',
    'encoder',
    'weight',
    'test recon (nats)',
    'test ELBO',
    'radius KS D',
    'pairwise KS D',
    `Mardia b₁ (0 for N)`,
    `Mardia b₂ (${d * (d + 2)} for N)`,
    'MMD²',
    'minutes',
  ],
  results.map((r) => [
    r.objective,
    r.encoder,
    r.weight,
    (r.e.reconstruction as number).toFixed(2),
    r.e.elbo === null ? 'n/a' : (r.e.elbo as number).toFixed(2),
    figure(r.c.radius_ks?.statistic, 3),
    figure(r.c.pairwise_ks?.statistic, 3),
    figure(r.c.mardia?.skewness?.b1, 3),
    figure(r.c.mardia?.kurtosis?.b2, 2),
    figure(r.c.mmd?.value, 4),
    r.minutes.toFixed(1),
  ]),
);
