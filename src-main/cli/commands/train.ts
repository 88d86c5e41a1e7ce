import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { initBackend, type BackendName } from '../../engine/backend';
import { loadCheckpoint, saveCheckpoint } from '../../engine/checkpoint';
import type { ModelConfigInput, ObjectiveKind } from '../../engine/config';
import { openDataset } from '../../engine/data/registry';
import type { DatasetOptions, DatasetSplit } from '../../engine/data/dataset';
import { Vae } from '../../engine/model';
import { Trainer } from '../../engine/train';
import { Output, fixed } from '../output';
import { integer, integerList, latentKind, nonNegative, positive } from '../parse';
import { attachProgress } from '../progress';

interface TrainOptions {
  data?: string;
  latentDim: number;
  latent: ReturnType<typeof latentKind>;
  objective: ObjectiveKind;
  balance?: number;
  invariance?: number;
  epochs: number;
  batch: number;
  lr: number;
  beta: number;
  warmup: number;
  freeBits: number;
  seed: number;
  limit?: number;
  size?: number;
  rgb?: boolean;
  net: 'mlp' | 'conv';
  hidden: number[];
  channels: number[];
  likelihood?: 'bernoulli' | 'gaussian';
  binarize?: boolean;
  out: string;
  resume?: boolean;
  slim?: boolean;
  backend?: BackendName;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a VAE and write a checkpoint directory')
    .option('--data <spec>', 'dataset: mnist, idx:IMAGES[,LABELS], folder:DIR, shapes, toy:NAME')
    .option(
      '--latent-dim <n>',
      'latent dimension (ambient dimension for sphere latents)',
      integer(1, 1024),
      2,
    )
    .option('--latent <kind>', 'gaussian | sphere | power-sphere | mixture:K', latentKind, {
      kind: 'gaussian',
    })
    .option('--objective <kind>', 'kl | mmd | swd | cw | l2', 'kl')
    .option(
      '--balance <λ>',
      'mixture: weight of the term against component collapse (default 100)',
      nonNegative,
    )
    .option(
      '--invariance <μ>',
      'mixture on images: weight of cluster consistency under small random distortions (default 300; 0 = off)',
      nonNegative,
    )
    .requiredOption('--epochs <n>', 'total epochs (counting resumed ones)', integer(1, 100000))
    .option('--batch <n>', 'minibatch size', integer(1, 65536), 128)
    .option('--lr <x>', 'Adam learning rate', positive, 1e-3)
    .option('--beta <x>', 'weight of the divergence (β for KL, λ for the others)', nonNegative, 1)
    .option('--warmup <steps>', 'linear KL warm-up steps', integer(0), 0)
    .option('--free-bits <nats>', 'free bits per latent dimension (KL)', nonNegative, 0)
    .option('--seed <n>', 'seed for weights, batches and sampling', integer(0, 2 ** 31), 0)
    .option('--limit <n>', 'use at most N training items', integer(1))
    .option('--size <px>', 'image side for folder/shapes datasets', integer(4, 1024))
    .option('--rgb', 'keep colour for folder datasets (default grayscale)')
    .option('--net <kind>', 'mlp | conv', 'mlp')
    .option('--hidden <widths>', 'MLP hidden widths, e.g. 512 or 512,256', integerList, [512])
    .option(
      '--channels <list>',
      'conv channels per stride-2 stage, e.g. 32,64',
      integerList,
      [32, 64],
    )
    .option(
      '--likelihood <kind>',
      'bernoulli | gaussian (default: bernoulli for images, gaussian for points)',
    )
    .option('--binarize', 'dynamic binarisation: resample binary pixels every batch')
    .requiredOption('--out <dir>', 'checkpoint directory to write')
    .option('--resume', 'continue the checkpoint in --out where it stopped')
    .option('--slim', 'leave the optimizer state out of the checkpoint (smaller; for sharing)')
    .option('--backend <name>', 'force a backend: tensorflow-gpu | tensorflow | wasm | cpu')
    .option('--json', 'JSON lines for progress and a final JSON object')
    .action((opts: TrainOptions) => train(opts));
}

async function train(opts: TrainOptions): Promise<void> {
  const out = new Output(Boolean(opts.json));
  if (!['mlp', 'conv'].includes(opts.net))
    throw new Error(`--net must be mlp or conv, got "${opts.net}"`);
  if (opts.likelihood && !['bernoulli', 'gaussian'].includes(opts.likelihood)) {
    throw new Error(`--likelihood must be bernoulli or gaussian, got "${opts.likelihood}"`);
  }
  const backend = await initBackend(opts.backend ? { prefer: opts.backend } : {});
  const outDir = path.resolve(opts.out);
  const resuming = Boolean(opts.resume) && existsSync(path.join(outDir, 'manifest.json'));

  let vae: Vae;
  let data: DatasetSplit;
  let datasetSpec: string;
  let datasetOptions: DatasetOptions;
  let resume;
  let trainConfig = {
    epochs: opts.epochs,
    batchSize: opts.batch,
    learningRate: opts.lr,
    seed: opts.seed,
    dynamicBinarization: Boolean(opts.binarize),
  };
  if (resuming) {
    const loaded = await loadCheckpoint(outDir);
    if (loaded.kind !== 'atlas' || !loaded.manifest.dataset || !loaded.manifest.train) {
      throw new Error(`${outDir}: cannot resume: not a checkpoint written by latent-atlas train`);
    }
    vae = loaded.vae;
    resume = loaded.resume;
    datasetSpec = opts.data ?? loaded.manifest.dataset.spec;
    datasetOptions = loaded.manifest.dataset.options as DatasetOptions;
    trainConfig = { ...loaded.manifest.train, epochs: opts.epochs };
    data = await openDataset(datasetSpec, datasetOptions);
    out.note(`resuming ${outDir} at epoch ${resume?.epoch} (step ${resume?.step})`);
  } else {
    if (!opts.data)
      throw new Error('--data is required (or --resume with an existing checkpoint in --out)');
    datasetSpec = opts.data;
    datasetOptions = {
      seed: opts.seed,
      ...(opts.limit ? { limit: opts.limit } : {}),
      ...(opts.size ? { size: opts.size } : {}),
      ...(opts.rgb ? { channels: 3 as const } : {}),
    };
    for (const [flag, value] of [
      ['--balance', opts.balance],
      ['--invariance', opts.invariance],
    ] as const) {
      if (value !== undefined && opts.latent.kind !== 'mixture')
        throw new Error(`${flag} applies to a mixture prior only (--latent mixture:K)`);
    }
    data = await openDataset(datasetSpec, datasetOptions);
    const isImage = data.train.itemShape.length === 3;
    const config: ModelConfigInput = {
      inputShape: data.train.itemShape,
      latent: {
        ...opts.latent,
        dim: opts.latentDim,
        ...(opts.balance === undefined ? {} : { balance: opts.balance }),
        ...(opts.invariance === undefined ? {} : { invariance: opts.invariance }),
      },
      objective: {
        kind: opts.objective,
        weight: opts.beta,
        warmupSteps: opts.warmup,
        freeBits: opts.freeBits,
      },
      net: { kind: opts.net, hidden: opts.hidden, channels: opts.channels },
      likelihood: opts.likelihood ?? (isImage ? 'bernoulli' : 'gaussian'),
    };
    vae = Vae.create(config, opts.seed);
  }
  for (const warning of data.warnings) out.note(`warning: ${warning}`);
  if (!out.json) {
    out.note(
      `training on ${data.train.name}: ${data.train.count} items, ${data.test.count} test; backend ${backend.backend}`,
    );
  }

  const dataset = {
    spec: datasetSpec,
    options: datasetOptions as Record<string, unknown>,
    name: data.train.name,
    itemShape: data.train.itemShape,
  };
  const trainer = new Trainer(vae, data, trainConfig, {
    ...(resume ? { resume } : {}),
    onEpochEnd: async (t) => {
      await saveCheckpoint(outDir, {
        vae,
        trainer: t,
        dataset,
        withoutOptimizer: Boolean(opts.slim),
      });
    },
  });
  const detach = attachProgress(trainer, out, trainConfig.epochs);
  const onSignal = () => trainer.cancel();
  process.once('SIGINT', onSignal);
  const started = performance.now();
  const firstEpoch = trainer.epoch;
  const result = await trainer.run().finally(() => {
    detach();
    process.off('SIGINT', onSignal);
  });
  const ran = result.history.filter((e) => e.epoch > firstEpoch);
  const last = result.history.at(-1);
  const sps = ran.length ? ran.reduce((s, e) => s + e.samplesPerSecond, 0) / ran.length : null;
  const record = {
    type: 'result',
    status: result.status,
    ...(result.message ? { message: result.message } : {}),
    backend: backend.backend,
    samples_per_second: sps,
    epochs: trainer.epoch,
    steps: result.step,
    elbo: last?.test.elbo ?? null,
    reconstruction: last?.test.reconstruction ?? null,
    kl: last?.test.kl ?? null,
    seconds: (performance.now() - started) / 1000,
    checkpoint: existsSync(path.join(outDir, 'manifest.json')) ? outDir : null,
  };
  out.result(
    record,
    `${result.status}: ${trainer.epoch} epochs, test ELBO ${fixed(record.elbo)} nats, ${fixed(sps ?? NaN, 0)} samples/s on ${backend.backend}; checkpoint ${record.checkpoint ?? '(none)'}`,
  );
  if (result.status === 'diverged') throw new Error(result.message);
}
