import { evaluate } from '../../engine/evaluation/evaluate';
import { importanceWeightedLogLikelihood } from '../../engine/evaluation/iwae';
import { latentCoverage } from '../../engine/evaluation/latent-coverage';
import { mixSeed } from '../../shared/random';
import { datasetFor } from '../checkpoint-data';
import { Output, fixed, warn } from '../output';
import { coverageText, splitPlots, writeReport } from './coverage';
import { open } from './models';

export interface EvalOptions {
  data?: string;
  limit?: number;
  iw?: number;
  seed: number;
  report?: string;
  plots?: string;
  json?: boolean;
}

export async function evaluateCheckpoint(ckpt: string, opts: EvalOptions): Promise<void> {
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
  const split = latent.coverage ? await splitPlots(latent.coverage, opts.plots) : null;
  if (opts.plots && !split) warn(`no plots to write: ${latent.reason}`);
  const lines = [
    `${data.name}, ${data.count} items: ELBO ${fixed(figures.elbo)} nats (reconstruction ${fixed(figures.reconstruction)}, KL ${fixed(figures.kl)})`,
    ...(ll !== null ? [`log-likelihood (IWAE, k = ${opts.iw}): ${fixed(ll)} nats`] : []),
    `active units: ${latent.activeUnits} of ${vae.latentDim}`,
    ...(latent.clusteringAccuracy !== null
      ? [`clustering accuracy (Hungarian matching): ${fixed(100 * latent.clusteringAccuracy, 1)}%`]
      : []),
    ...(latent.klPerDimension
      ? [`KL per dimension: ${latent.klPerDimension.map((k) => fixed(k)).join(' ')}`]
      : []),
    latent.coverage ? coverageText(latent.coverage) : `coverage: ${latent.reason}`,
    ...(html ? [`report: ${html}`] : []),
    ...(split?.plotsFile ? [`plot data: ${split.plotsFile}`] : []),
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
      coverage: split?.figures ?? { reason: latent.reason },
      ...(html ? { report_file: html } : {}),
      ...(split?.plotsFile ? { plots_file: split.plotsFile } : {}),
    },
    lines.join('\n'),
  );
}
