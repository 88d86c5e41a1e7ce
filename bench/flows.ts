// Posterior flows against the plain Gaussian VAE (issue 15): the quality suite's setting
// (dynamically binarised MNIST, MLP 784-256-128-d, d = 10, Adam 1e-3, batch 100), the same
// epochs and seed for all, then the importance-weighted log-likelihood of each on the 10,000
// test digits. Flows should buy nats: Rezende & Mohamed (2015) report planar K = 10 beating the
// diagonal Gaussian, Kingma et al. (2016) IAF more.
// `npm run bench -- flows [--epochs=20] [--iw=200] [--only=gaussian,planar,iaf]`.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchArg, runCli } from './cli-runs';
import { printTable } from './report';

const epochs = benchArg('--epochs', '20');
const iw = benchArg('--iw', '200');
const out = path.resolve(benchArg('--out', 'bench/results/flows'));
mkdirSync(out, { recursive: true });

const RUNS = [
  { name: 'gaussian', flow: [] as string[] },
  { name: 'planar', flow: ['--flow', 'planar:8'] },
  { name: 'iaf', flow: ['--flow', 'iaf:2'] },
];
const only = benchArg('--only', '');
const chosen = only ? RUNS.filter((r) => only.split(',').includes(r.name)) : RUNS;

const cli = (args: string[], log: string) =>
  runCli(
    args,
    log,
    (r) => `epoch ${r.epoch} test ELBO ${(r.elbo as number | undefined)?.toFixed(2)}`,
  );

async function run(r: (typeof RUNS)[number]) {
  const dir = path.join(out, r.name);
  const started = performance.now();
  // --binarize: dynamically binarised MNIST; each run resumes where an earlier one stopped.
  const train = [
    'train',
    '--data',
    'mnist',
    '--binarize',
    '--latent-dim',
    '10',
    '--hidden',
    '256,128',
    '--batch',
    '100',
    '--lr',
    '1e-3',
    '--epochs',
    epochs,
    '--seed',
    '1',
    ...r.flow,
    '--out',
    dir,
    '--resume',
  ];
  await cli(train, r.name);
  const minutes = (performance.now() - started) / 60_000;
  const e = await cli(['eval', dir, '--iw', iw], `${r.name} eval`);
  return { ...r, minutes, elbo: e.elbo as number, ll: e.log_likelihood as number };
}

// Two at a time: one per core.
const results: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < chosen.length; i += 2)
  results.push(...(await Promise.all(chosen.slice(i, i + 2).map(run))));
const base = results.find((r) => r.name === 'gaussian');
printTable(
  ['posterior', 'epochs', 'train minutes', 'test ELBO', `log p(x) (IWAE k=${iw})`, 'vs Gaussian'],
  results.map((r) => [
    r.flow.length ? r.flow[1] : 'diagonal Gaussian',
    epochs,
    r.minutes.toFixed(1),
    r.elbo.toFixed(2),
    r.ll.toFixed(2),
    base && r !== base ? `${r.ll - base.ll >= 0 ? '+' : ''}${(r.ll - base.ll).toFixed(2)}` : '',
  ]),
);
