import { evaluate } from '../../engine/evaluation/evaluate';
import { importanceWeightedLogLikelihood } from '../../engine/evaluation/iwae';
import { latentCoverage } from '../../engine/evaluation/latent-coverage';
import { mixSeed } from '../../shared/random';
import { datasetFor } from '../checkpoint-data';
import { Output, fixed, warn } from '../output';
import { coverageText, splitPlots, writeReport } from './coverage';
import { open } from './models';
import type { OnnxFlags } from '../onnx-options';

export interface EvalOptions extends OnnxFlags {
  data?: string;
  limit?: number;
  iw?: number;
  seed: number;
  report?: string;
  plots?: string;
  json?: boolean;
}

export async function evaluateCheckpoint(ckpt: string, opts: EvalOptions): Promise<void> {
  const loaded = await open(ckpt, opts);
  const { model, manifest } = loaded;
  const { data } = await datasetFor(loaded, opts.data, 'test', opts.limit);
  // Dynamically binarised models are scored on binarised test data, as in the literature.
  const binarizeSeed = manifest.train?.dynamicBinarization ? mixSeed(opts.seed, 5) : undefined;
  const common = { seed: opts.seed, ...(binarizeSeed !== undefined ? { binarizeSeed } : {}) };
  const figures = await evaluate(model, data, common);
  // IWAE needs q(z|x)'s density: a deterministic encoder gives a point, so it is left out.
  const iw = opts.iw && model.encoding === 'posterior' ? opts.iw : null;
  if (opts.iw && !iw)
    warn('--iw: no log-likelihood estimate: this encoder gives a point per item, not q(z|x)');
  const ll = iw
    ? await importanceWeightedLogLikelihood(model, data, { samples: iw, ...common })
    : null;
  const latent = await latentCoverage(model, data, opts.seed);
  const html =
    opts.report && latent.coverage
      ? await writeReport(opts.report, latent.coverage, `Coverage of ${manifest.name}`)
      : null;
  const split = latent.coverage ? await splitPlots(latent.coverage, opts.plots) : null;
  if (opts.plots && !split) warn(`no plots to write: ${latent.reason}`);
  const lines = [
    figures.elbo !== null && figures.kl !== null
      ? `${data.name}, ${data.count} items: ELBO ${fixed(figures.elbo)} nats (reconstruction ${fixed(figures.reconstruction)}, KL ${fixed(figures.kl)})`
      : `${data.name}, ${data.count} items: reconstruction ${fixed(figures.reconstruction)} nats (no ELBO: a deterministic encoder has no KL)`,
    ...(ll !== null ? [`log-likelihood (IWAE, k = ${opts.iw}): ${fixed(ll)} nats`] : []),
    `active units: ${latent.activeUnits} of ${model.latentDim}`,
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
      iw_samples: iw,
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
