import type { Command } from 'commander';
import { evaluate } from '../../engine/evaluate';
import { importanceWeightedLogLikelihood } from '../../engine/iwae';
import { latentCoverage } from '../../engine/latent-coverage';
import { mixSeed } from '../../engine/random';
import { datasetFor } from '../checkpoint-data';
import { Output, fixed } from '../output';
import { integer } from '../parse';
import { coverageText, writeReport } from './coverage';
import { open } from './models';

interface EvalOptions {
  data?: string;
  limit?: number;
  iw?: number;
  seed: number;
  report?: string;
  json?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'test ELBO, reconstruction, KL, IWAE log-likelihood, active units and coverage of a checkpoint',
    )
    .argument('<ckpt>', 'checkpoint directory')
    .option('--data <spec>', 'dataset (default: the one it was trained on)')
    .option('--limit <n>', 'use at most N items', integer(1))
    .option('--iw <k>', 'importance-weighted log-likelihood with k samples', integer(1, 100000))
    .option('--seed <n>', 'seed for sampling', integer(0), 0)
    .option('--report <file>', 'write the coverage of the encoded test set as an HTML report')
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: EvalOptions) => {
      const loaded = await open(ckpt);
      const { vae, manifest } = loaded;
      const { data } = await datasetFor(loaded, opts.data, 'test', opts.limit);
      // Dynamically binarised models are scored on binarised test data, as in the literature.
      const binarizeSeed = manifest.train?.dynamicBinarization ? mixSeed(opts.seed, 5) : undefined;
      const common = { seed: opts.seed, ...(binarizeSeed !== undefined ? { binarizeSeed } : {}) };
      const figures = evaluate(vae, data, common);
      const ll = opts.iw
        ? importanceWeightedLogLikelihood(vae, data, { samples: opts.iw, ...common })
        : null;
      const latent = latentCoverage(vae, data, opts.seed);
      const html =
        opts.report && latent.coverage
          ? await writeReport(opts.report, latent.coverage, `Coverage of ${manifest.name}`)
          : null;
      const lines = [
        `${data.name}, ${data.count} items: ELBO ${fixed(figures.elbo)} nats (reconstruction ${fixed(figures.reconstruction)}, KL ${fixed(figures.kl)})`,
        ...(ll !== null ? [`log-likelihood (IWAE, k = ${opts.iw}): ${fixed(ll)} nats`] : []),
        `active units: ${latent.activeUnits} of ${vae.latentDim}`,
        ...(latent.clusteringAccuracy !== null
          ? [
              `clustering accuracy (Hungarian matching): ${fixed(100 * latent.clusteringAccuracy, 1)}%`,
            ]
          : []),
        ...(latent.klPerDimension
          ? [`KL per dimension: ${latent.klPerDimension.map((k) => fixed(k)).join(' ')}`]
          : []),
        latent.coverage ? coverageText(latent.coverage) : `coverage: ${latent.reason}`,
        ...(html ? [`report: ${html}`] : []),
      ];
      new Output(Boolean(opts.json)).result(
        {
          ...figures,
          log_likelihood: ll,
          iw_samples: opts.iw ?? null,
          dataset: data.name,
          kl_per_dimension: latent.klPerDimension,
          active_units: latent.activeUnits,
          clustering_accuracy: latent.clusteringAccuracy,
          coverage: latent.coverage ?? { reason: latent.reason },
          ...(html ? { report_file: html } : {}),
        },
        lines.join('\n'),
      );
    });
}
