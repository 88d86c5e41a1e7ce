import type { Command } from 'commander';
import {
  flowKind,
  integer,
  integerList,
  latentKind,
  nonNegative,
  oneOf,
  positiveUpTo,
} from '../parse';
import type { TrainOptions } from '../train-options';

/**
 * Registers `train`. `--latent` and `--objective` name registered parts: `latent-atlas parts`
 * lists them (from the engine's registries), and the action checks them there, so `--help`
 * loads no engine.
 */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a VAE and write a checkpoint directory')
    .option(
      '--data <spec>',
      'dataset: mnist, folder:DIR, … (`latent-atlas datasets` lists them all)',
    )
    .option(
      '--latent-dim <n>',
      'latent dimension (ambient dimension for sphere latents)',
      integer(1, 1024),
      2,
    )
    .option(
      '--latent <kind>',
      'latent geometry: gaussian, sphere, mixture:K, … (`latent-atlas parts` lists them all)',
      latentKind,
      { kind: 'gaussian' },
    )
    .option('--objective <kind>', 'kl, mmd, swd, … (`latent-atlas parts` lists them all)', 'kl')
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
    .option('--lr <x>', 'Adam learning rate, at most 10', positiveUpTo(10), 1e-3)
    .option('--beta <x>', 'weight of the divergence (β for KL, λ for the others)', nonNegative, 1)
    .option('--warmup <steps>', 'linear KL warm-up steps', integer(0), 0)
    .option('--free-bits <nats>', 'free bits per latent dimension (KL)', nonNegative, 0)
    .option('--seed <n>', 'seed for weights, batches and sampling', integer(0, 2 ** 31), 0)
    .option('--limit <n>', 'use at most N training items', integer(1))
    .option('--size <px>', 'image side for folder/shapes datasets', integer(4, 1024))
    .option('--rgb', 'keep colour for folder datasets (default grayscale)')
    .option(
      '--set <key=value>',
      'a setting of the chosen geometry or objective, e.g. projections=100 (repeatable; `latent-atlas parts` lists them)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--net <kind>', 'mlp | conv', oneOf(['mlp', 'conv'] as const), 'mlp')
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
      oneOf(['bernoulli', 'gaussian'] as const),
    )
    .option(
      '--flow <kind:K>',
      'a normalizing flow of K steps on q(z|x): planar:K (Rezende & Mohamed 2015) or iaf:K (Kingma et al. 2016); Gaussian latent, stochastic encoder',
      flowKind,
    )
    .option(
      '--encoder <kind>',
      'stochastic (a VAE: q(z|x) per item) | deterministic (one code per item, as WAE; with mmd, swd, cw, cdf or l2)',
      oneOf(['stochastic', 'deterministic'] as const),
      'stochastic',
    )
    .option('--binarize', 'dynamic binarisation: resample binary pixels every batch')
    .requiredOption('--out <dir>', 'checkpoint directory to write')
    .option(
      '--resume',
      'continue the checkpoint in --out where it stopped; --epochs, --lr, --batch, --beta, --warmup, --free-bits, --seed, --binarize may change (recorded in its history), options that shape the model may not',
    )
    .option('--force', 'replace an existing checkpoint in --out with a new model')
    .option(
      '--reset-optimizer',
      "with --resume: start Adam's state afresh (when the saved one is missing or damaged)",
    )
    .option('--slim', 'leave the optimizer state out of the checkpoint (smaller; for sharing)')
    .option(
      '--backend <name>',
      'force a backend: tensorflow-gpu | tensorflow | wasm | cpu',
      oneOf(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const),
    )
    .option('--json', 'JSON lines for progress and a final JSON object')
    .action(async (opts: TrainOptions, command: Command) => {
      const { train } = await import('../actions/train');
      await train(opts, (key) => command.getOptionValueSource(key) === 'cli');
    });
}
