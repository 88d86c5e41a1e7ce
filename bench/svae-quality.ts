// Quality against the literature (issue 3): train the Gaussian (N-VAE) and the hyperspherical
// (S-VAE, vMF) VAE on dynamically binarised MNIST with the CLI, as in Davidson et al. 2018 (MLP
// 784-256-128-d, Adam 1e-3), and report importance-weighted log-likelihood estimates next to the
// paper's. Long: run it on purpose, `npm run bench -- quality [--epochs=N] [--dims=10,5]`.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchArg, runCli } from './cli-runs';
import { printTable } from './report';

const epochs = Number(benchArg('--epochs', '200'));
const dims = benchArg('--dims', '10').split(',').map(Number);
const iw = benchArg('--iw', '500');
const out = path.resolve(benchArg('--out', 'bench/results/quality'));
mkdirSync(out, { recursive: true });

/** Log-likelihoods reported by the S-VAE paper (Table 2, MNIST). */
const PAPER: Record<string, Record<number, number>> = {
  gaussian: { 5: -110.21, 10: -93.84, 20: -88.9 },
  sphere: { 5: -108.43, 10: -93.16, 20: -89.02 },
};

const cli = (args: string[], log: string) =>
  runCli(
    args,
    log,
    (r) => `epoch ${r.epoch} test ELBO ${(r.elbo as number | undefined)?.toFixed(2)}`,
  );

async function run(latent: 'gaussian' | 'sphere', d: number) {
  const dir = path.join(out, `${latent}-${d}`);
  const started = performance.now();
  const trained = await cli(
    [
      'train',
      '--data',
      'mnist',
      '--binarize',
      '--latent',
      latent,
      '--latent-dim',
      String(d),
      '--hidden',
      '256,128',
      '--batch',
      '100',
      '--lr',
      '1e-3',
      '--epochs',
      String(epochs),
      '--out',
      dir,
      '--resume',
    ],
    `${latent} d=${d}`,
  );
  const minutes = (performance.now() - started) / 60_000;
  const evaluated = await cli(['eval', dir, '--iw', iw], `${latent} d=${d} eval`);
  return {
    latent,
    d,
    epochs: trained.epochs as number,
    minutes,
    elbo: evaluated.elbo as number,
    ll: evaluated.log_likelihood as number,
  };
}

// The two latents train side by side, one process each (2 cores).
const results = (
  await Promise.all(dims.flatMap((d) => [run('gaussian', d), run('sphere', d)]))
).map((r) => [
  `${r.latent === 'gaussian' ? 'N-VAE' : 'S-VAE'} d=${r.d}`,
  r.epochs,
  r.minutes.toFixed(0),
  r.elbo.toFixed(2),
  r.ll.toFixed(2),
  PAPER[r.latent][r.d]?.toFixed(2) ?? 'n/a',
  PAPER[r.latent][r.d] !== undefined ? (r.ll - PAPER[r.latent][r.d]).toFixed(2) : '',
]);
printTable(
  ['model', 'epochs', 'minutes', 'test ELBO', `log p(x) (IWAE k=${iw})`, 'paper', 'difference'],
  results,
);
