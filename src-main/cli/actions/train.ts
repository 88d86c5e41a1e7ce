import { existsSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../engine/backend';
import { fasterBackendAdvice } from '../../engine/training/eta';
import {
  loadCheckpoint,
  OptimizerStateError,
  readCheckpointManifest,
  saveCheckpoint,
  type LoadedCheckpoint,
} from '../../engine/io/checkpoint';
import {
  ModelConfig,
  TrainConfig,
  type ModelConfigInput,
  type TrainConfigInput,
} from '../../shared/config';
import { openDataset } from '../../engine/data/registry';
import type { DatasetOptions, DatasetSplit } from '../../engine/data/dataset';
import { Vae } from '../../engine/model/model';
import { listObjectives, objectiveDescriptor } from '../../engine/objectives/registry';
import { geometryDescriptor, listGeometries } from '../../engine/latent/registry';
import { checkFlow, checkLatent, checkObjective, latentUsage } from '../parse';
import { listFlows } from '../../engine/flows/registry';
import { modelRefusal } from '../../engine/model/compatibility';
import { Trainer, type ResumeNote } from '../../engine/training/train';
import { Output, fixed } from '../output';
import { attachProgress } from '../progress';
import { planResume, type Given } from '../resume-rules';
import type { TrainOptions } from '../train-options';

/** Schema paths → the flag that sets them, so a refused value names what the user typed. */
const FLAGS: Record<string, string> = {
  epochs: '--epochs',
  batchSize: '--batch',
  learningRate: '--lr',
  seed: '--seed',
  'latent.dim': '--latent-dim',
  'latent.components': '--latent',
  'latent.balance': '--balance',
  'latent.invariance': '--invariance',
  'objective.weight': '--beta',
  'objective.warmupSteps': '--warmup',
  'objective.freeBits': '--free-bits',
  'net.hidden': '--hidden',
  'net.channels': '--channels',
};

/** Validates with a schema, naming the flag at fault. */
function check<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue.path.filter((p) => typeof p === 'string').join('.');
  throw new Error(`${FLAGS[key] ?? (key || 'options')}: ${issue.message}`);
}

function hasCheckpoint(dir: string): boolean {
  return ['manifest.json', 'model.json', path.join('decoder', 'model.json')].some((f) =>
    existsSync(path.join(dir, f)),
  );
}

/**
 * `latent-atlas train`. Every option is checked before any data loads or any file changes; an
 * existing checkpoint in --out is continued (--resume) or replaced (--force), never silently.
 */
export async function train(opts: TrainOptions, given: Given): Promise<void> {
  const out = new Output(Boolean(opts.json));
  // Which geometries and objectives exist is the registries' to say (parsing only read the form).
  opts.latent = checkLatent(opts.latent, listGeometries());
  opts.objective = checkObjective(opts.objective, listObjectives());
  if (opts.flow) checkFlow(opts.flow.kind, listFlows());
  const outDir = path.resolve(opts.out);
  const exists = hasCheckpoint(outDir);
  if (opts.resume && opts.force)
    throw new Error('--resume and --force contradict each other: pick one');
  if (opts.resetOptimizer && !opts.resume)
    throw new Error('--reset-optimizer applies to --resume only');
  if (exists && !opts.resume && !opts.force) {
    throw new Error(
      `${outDir} already holds a checkpoint: pass --resume to continue it or --force to replace it`,
    );
  }
  const resuming = Boolean(opts.resume) && exists;
  if (resuming && !existsSync(path.join(outDir, 'manifest.json')))
    throw new Error(`${outDir}: cannot resume: not a checkpoint written by latent-atlas train`);
  if (resuming && opts.set?.length)
    throw new Error('--set shapes a new model; a resumed checkpoint keeps its settings');
  if (!resuming) validateNew(opts);

  const backend = await initBackend(opts.backend ? { prefer: opts.backend } : {});
  let vae: Vae;
  let data: DatasetSplit;
  let trainConfig: TrainConfigInput;
  let datasetSpec: string;
  let datasetOptions: DatasetOptions;
  let resume: LoadedCheckpoint['resume'];
  let resumeNote: ResumeNote | undefined;

  if (resuming) {
    const prepared = await prepareResume(outDir, opts, given, out);
    ({ vae, resume, resumeNote, trainConfig } = prepared);
    datasetSpec = prepared.loaded.manifest.dataset!.spec;
    datasetOptions = prepared.loaded.manifest.dataset!.options as DatasetOptions;
    data = await openDataset(datasetSpec, datasetOptions);
  } else {
    datasetSpec = opts.data!;
    datasetOptions = {
      seed: opts.seed,
      ...(opts.limit ? { limit: opts.limit } : {}),
      ...(opts.size ? { size: opts.size } : {}),
      ...(opts.rgb ? { channels: 3 as const } : {}),
    };
    trainConfig = trainSettings(opts);
    data = await openDataset(datasetSpec, datasetOptions);
    vae = Vae.create(modelConfig(opts, data.train.itemShape), opts.seed);
  }
  for (const warning of data.warnings) out.warn(warning);
  if (!out.json) {
    out.note(
      `training on ${data.train.name}: ${data.train.count} items, ${data.test.count} test; backend ${backend.backend}`,
    );
    const advice = fasterBackendAdvice(backend, vae.config.net.kind);
    if (advice) out.note(advice);
  }

  const dataset = {
    spec: datasetSpec,
    options: datasetOptions as Record<string, unknown>,
    name: data.train.name,
    itemShape: data.train.itemShape,
  };
  // --force: the first save replaces the old model, which stays intact until then.
  let replacing = !resuming && exists;
  const trainer = new Trainer(vae, data, trainConfig, {
    ...(resume ? { resume } : {}),
    ...(resumeNote ? { resumeNote } : {}),
    onEpochEnd: async (t) => {
      await saveCheckpoint(outDir, {
        vae,
        trainer: t,
        dataset,
        withoutOptimizer: Boolean(opts.slim),
        ...(replacing ? { fresh: true } : {}),
      });
      replacing = false;
    },
  });
  const detach = attachProgress(trainer, out, trainer.config.epochs);
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
  const saved = existsSync(path.join(outDir, 'manifest.json'));
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
    checkpoint: saved ? outDir : null,
  };
  out.result(
    record,
    `${result.status}: ${trainer.epoch} epochs, ${record.elbo === null && record.reconstruction !== null ? `test reconstruction ${fixed(record.reconstruction)}` : `test ELBO ${fixed(record.elbo)}`} nats, ${fixed(sps ?? NaN, 0)} samples/s on ${backend.backend}; checkpoint ${record.checkpoint ?? '(none)'}`,
  );
  if (result.status === 'diverged') {
    const kept = saved
      ? `the checkpoint in ${outDir} is the last good one (epoch ${trainer.epoch})`
      : 'no checkpoint was written';
    throw new Error(`${result.message} ${kept}`);
  }
}

/** Checks a new model's options (all but the data's shape) before anything loads. */
function validateNew(opts: TrainOptions): void {
  if (!opts.data)
    throw new Error('--data is required (or --resume with an existing checkpoint in --out)');
  // A flag that sets a geometry's own setting applies where that geometry declares it.
  const { parameters } = geometryDescriptor(opts.latent.kind);
  for (const [key, value] of [
    ['balance', opts.balance],
    ['invariance', opts.invariance],
  ] as const) {
    if (value !== undefined && !parameters.some((p) => p.key === key)) {
      const owners = listGeometries().filter((g) => g.parameters.some((p) => p.key === key));
      const names = owners.map((g) => g.label.toLowerCase()).join(' or ');
      const usage = latentUsage(owners);
      throw new Error(`--${key} applies to a ${names} prior only (--latent ${usage})`);
    }
  }
  check(TrainConfig, trainSettings(opts));
  // The input shape comes from the data; any valid one stands in for it here.
  const config = check(ModelConfig, modelConfig(opts, [1]));
  const reason = modelRefusal(config);
  if (reason) throw new Error(reason);
}

/**
 * `--set KEY=VALUE`: each key must be a setting the chosen geometry or objective declares, and
 * each value a number in its range.
 */
function partSettings(opts: TrainOptions): {
  latent: Record<string, number>;
  objective: Record<string, number>;
} {
  const owners = [
    { part: geometryDescriptor(opts.latent.kind), into: 'latent' as const },
    { part: objectiveDescriptor(opts.objective), into: 'objective' as const },
  ];
  const out = { latent: {} as Record<string, number>, objective: {} as Record<string, number> };
  for (const pair of opts.set ?? []) {
    const [key, raw, extra] = pair.split('=');
    const owner = owners.find((o) => o.part.parameters.some((p) => p.key === key));
    if (!owner || raw === undefined || extra !== undefined) {
      const known = owners.flatMap((o) => o.part.parameters.map((p) => p.key));
      throw new Error(
        `--set ${pair}: ${owner || !key ? 'expected KEY=VALUE' : `"${key}" is no setting of --latent ${opts.latent.kind} or --objective ${opts.objective}`}; settings here: ${known.join(', ') || 'none'}`,
      );
    }
    const p = owner.part.parameters.find((q) => q.key === key)!;
    const value = Number(raw);
    if (
      !Number.isFinite(value) ||
      value < p.min ||
      value > p.max ||
      (p.integer && !Number.isInteger(value))
    )
      throw new Error(
        `--set ${pair}: ${key} takes ${p.integer ? 'an integer' : 'a number'} from ${p.min} to ${p.max}`,
      );
    out[owner.into][key] = value;
  }
  return out;
}

function trainSettings(opts: TrainOptions): TrainConfigInput {
  return {
    epochs: opts.epochs,
    batchSize: opts.batch,
    learningRate: opts.lr,
    seed: opts.seed,
    dynamicBinarization: Boolean(opts.binarize),
  };
}

function modelConfig(opts: TrainOptions, itemShape: number[]): ModelConfigInput {
  const settings = partSettings(opts);
  return {
    inputShape: itemShape,
    latent: {
      ...opts.latent,
      ...settings.latent,
      dim: opts.latentDim,
      ...(opts.balance === undefined ? {} : { balance: opts.balance }),
      ...(opts.invariance === undefined ? {} : { invariance: opts.invariance }),
    },
    objective: {
      kind: opts.objective,
      weight: opts.beta,
      warmupSteps: opts.warmup,
      freeBits: opts.freeBits,
      ...settings.objective,
    },
    net: { kind: opts.net, hidden: opts.hidden, channels: opts.channels },
    likelihood: opts.likelihood ?? (itemShape.length === 3 ? 'bernoulli' : 'gaussian'),
    encoder: opts.encoder,
    ...(opts.flow ? { flow: opts.flow } : {}),
  };
}

/**
 * Loads the checkpoint to continue, with the changed settings applied: the manifest is read first
 * (cheap) so refused options stop it before the weights or the data load.
 */
async function prepareResume(outDir: string, opts: TrainOptions, given: Given, out: Output) {
  const manifest = await readCheckpointManifest(outDir);
  if (!manifest.dataset || !manifest.train)
    throw new Error(`${outDir}: cannot resume: not a checkpoint written by latent-atlas train`);
  const plan = planResume(manifest, opts, given, outDir);
  check(TrainConfig, plan.train);
  let loaded: LoadedCheckpoint;
  let freshOptimizer: string | undefined;
  try {
    loaded = await loadCheckpoint(outDir, {
      optimizer: !opts.resetOptimizer,
      objective: plan.objective,
    });
  } catch (err) {
    if (!(err instanceof OptimizerStateError)) throw err;
    throw new Error(
      `cannot resume ${outDir}: its optimizer state is unusable (${err.message}); pass --reset-optimizer to resume with fresh Adam state`,
    );
  }
  for (const line of [...loaded.tidied, ...loaded.warnings]) out.warn(line);
  if (opts.resetOptimizer) freshOptimizer = 'reset by --reset-optimizer';
  else if (!loaded.manifest.hasOptimizer) freshOptimizer = 'saved without optimizer state (--slim)';
  const state = loaded.resume!;
  const resumeNote: ResumeNote = {
    at: new Date().toISOString(),
    fromEpoch: state.epoch,
    changed: plan.changed,
    ...(freshOptimizer ? { freshOptimizer } : {}),
  };
  const changes = Object.entries(plan.changed).map(
    ([k, [a, b]]) => `${k} ${String(a)} → ${String(b)}`,
  );
  out.note(
    `resuming ${outDir} at epoch ${state.epoch} (step ${state.step})${changes.length ? `; changed: ${changes.join(', ')}` : ''}${freshOptimizer ? `; fresh Adam state (${freshOptimizer})` : ''}`,
  );
  return { loaded, vae: loaded.vae, resume: state, resumeNote, trainConfig: plan.train };
}
