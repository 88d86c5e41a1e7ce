import type { CheckpointManifest } from '../engine/io/checkpoint';
import type { ObjectiveConfig, TrainConfigInput } from '../shared/config';
import type { TrainOptions } from './train-options';

/** Whether the user typed an option (as opposed to its default). */
export type Given = (key: keyof TrainOptions) => boolean;

/**
 * `train --resume` continues the saved model: options that would make it a different model are
 * refused rather than silently ignored, and options that may change are applied and reported.
 */
const FIXED: {
  key: keyof TrainOptions;
  flag: string;
  saved: (m: CheckpointManifest) => unknown;
}[] = [
  { key: 'data', flag: '--data', saved: (m) => m.dataset?.spec },
  { key: 'latent', flag: '--latent', saved: (m) => latentWord(m.model.latent) },
  { key: 'latentDim', flag: '--latent-dim', saved: (m) => m.model.latent.dim },
  { key: 'objective', flag: '--objective', saved: (m) => m.model.objective.kind },
  { key: 'balance', flag: '--balance', saved: (m) => m.model.latent.balance },
  { key: 'invariance', flag: '--invariance', saved: (m) => m.model.latent.invariance },
  { key: 'net', flag: '--net', saved: (m) => m.model.net.kind },
  { key: 'hidden', flag: '--hidden', saved: (m) => m.model.net.hidden },
  { key: 'channels', flag: '--channels', saved: (m) => m.model.net.channels },
  { key: 'likelihood', flag: '--likelihood', saved: (m) => m.model.likelihood },
  { key: 'encoder', flag: '--encoder', saved: (m) => m.model.encoder ?? 'stochastic' },
  { key: 'flow', flag: '--flow', saved: (m) => m.model.flow },
  { key: 'limit', flag: '--limit', saved: (m) => m.dataset?.options.limit },
  { key: 'size', flag: '--size', saved: (m) => m.dataset?.options.size },
  { key: 'rgb', flag: '--rgb', saved: (m) => m.dataset?.options.channels === 3 },
];

function latentWord(latent: CheckpointManifest['model']['latent']): string {
  return latent.components !== undefined ? `${latent.kind}:${latent.components}` : latent.kind;
}

function typed(key: keyof TrainOptions, opts: TrainOptions): unknown {
  return key === 'latent' ? latentWord({ ...opts.latent, dim: 1 }) : opts[key];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface ResumePlan {
  train: TrainConfigInput;
  /** The β schedule to load the model with. */
  objective: Pick<ObjectiveConfig, 'weight' | 'warmupSteps' | 'freeBits'>;
  /** What the command changed, as `setting → [saved, now]`. */
  changed: Record<string, [unknown, unknown]>;
}

export function planResume(
  manifest: CheckpointManifest,
  opts: TrainOptions,
  given: Given,
  dir: string,
): ResumePlan {
  const refused = FIXED.filter(
    ({ key, saved }) => given(key) && !same(typed(key, opts), saved(manifest)),
  );
  if (refused.length > 0) {
    const list = refused
      .map(
        ({ key, flag, saved }) =>
          `${flag} (saved: ${JSON.stringify(saved(manifest)) ?? 'none'}, given: ${JSON.stringify(typed(key, opts))})`,
      )
      .join(', ');
    throw new Error(
      `cannot resume ${dir} with options that change the model: ${list}; leave them out, or train a new model with --force`,
    );
  }
  const savedTrain = manifest.train!;
  const savedObjective = manifest.model.objective;
  const changes: [string, keyof TrainOptions, unknown, unknown][] = [
    ['epochs', 'epochs', savedTrain.epochs, opts.epochs],
    ['learningRate', 'lr', savedTrain.learningRate, opts.lr],
    ['batchSize', 'batch', savedTrain.batchSize, opts.batch],
    ['seed', 'seed', savedTrain.seed, opts.seed],
    ['dynamicBinarization', 'binarize', savedTrain.dynamicBinarization, Boolean(opts.binarize)],
    ['beta', 'beta', savedObjective.weight, opts.beta],
    ['warmupSteps', 'warmup', savedObjective.warmupSteps, opts.warmup],
    ['freeBits', 'freeBits', savedObjective.freeBits, opts.freeBits],
  ];
  const changed: Record<string, [unknown, unknown]> = {};
  // --epochs is required and always typed: it counts as a change only when it differs.
  for (const [name, key, before, after] of changes)
    if (given(key) && !same(before, after)) changed[name] = [before, after];
  const pick = <T>(name: string, before: T): T =>
    name in changed ? (changed[name][1] as T) : before;
  return {
    train: {
      ...savedTrain,
      epochs: opts.epochs,
      learningRate: pick('learningRate', savedTrain.learningRate),
      batchSize: pick('batchSize', savedTrain.batchSize),
      seed: pick('seed', savedTrain.seed),
      dynamicBinarization: pick('dynamicBinarization', savedTrain.dynamicBinarization),
    },
    objective: {
      weight: pick('beta', savedObjective.weight),
      warmupSteps: pick('warmupSteps', savedObjective.warmupSteps),
      freeBits: pick('freeBits', savedObjective.freeBits),
    },
    changed,
  };
}
