import path from 'node:path';
import { loadCheckpoint, OptimizerStateError, saveCheckpoint } from '../../engine/io/checkpoint';
import { openDataset } from '../../engine/data/registry';
import type { DatasetSplit } from '../../engine/data/dataset';
import { Vae } from '../../engine/model/model';
import {
  Trainer,
  type EpochSummary,
  type ResumeNote,
  type TrainerState,
} from '../../engine/training/train';
import type { TrainConfigInput } from '../../shared/config';
import type { BackendReport } from '../../engine/backend';
import { trackEta } from '../../engine/training/eta';
import type { FromTrainer } from '../../api/host-protocol';
import { ToTrainer, type TrainSpec } from '../../api/host-protocol';
import { describeIssues } from '../../api/validate';
import type { ParentPort } from '../process/parent-port';
import { latentSnapshot } from '../inference/latent-snapshot';
import { removeLiveWeights, writeLiveWeights } from './live-weights';

/** Thrown for failures that would recur on resume (bad dataset, incompatible config). */
class Permanent extends Error {}

/**
 * One training job in a process of its own. Each epoch ends with an atomic checkpoint in the
 * library (the engine's saveCheckpoint swaps whole folders), then the epoch's figures and a latent
 * snapshot go to the supervisor. Killed at any moment, the library keeps the last full epoch.
 */
export function runTrainWorker(port: ParentPort, backend: BackendReport): void {
  const send = (message: FromTrainer) => port.send(message).catch(() => {});
  let trainer: Trainer | undefined;
  let pending: 'pause' | 'cancel' | undefined;
  let name = '';
  let started = false;
  /** The mid-epoch save in flight, if any: finished before the job reports its end. */
  let pendingSnapshot: Promise<unknown> = Promise.resolve();

  port.onMessage((raw) => {
    const parsed = ToTrainer.safeParse(raw);
    if (!parsed.success) {
      void send({
        type: 'failed',
        message: `training process: ${describeIssues(parsed.error)}`,
        epoch: 0,
        resumable: false,
      });
      return;
    }
    const message = parsed.data;
    if (message.type === 'start') {
      if (started) return;
      started = true;
      name = message.spec.name;
      void train(message.spec);
    } else if (message.type === 'rename') {
      name = message.name;
    } else if (message.action === 'pause') {
      if (trainer) trainer.pause();
      else pending = 'pause';
      void send({ type: 'paused' });
    } else if (message.action === 'resume') {
      if (trainer) trainer.resume();
      else pending = undefined;
      void send({ type: 'resumed' });
    } else {
      if (trainer) trainer.cancel();
      else pending = 'cancel';
    }
  });
  port.onDisconnect(() => process.exit(0));
  void send({ type: 'ready', backend });

  async function train(spec: TrainSpec): Promise<void> {
    const dir = path.join(spec.libraryDir, spec.modelId);
    const { jobId, modelId } = spec;
    let epoch = 0;
    let lastSnapshot = Date.now();
    let snapshotting = false;
    try {
      const prepared = await prepare(spec, dir);
      epoch = prepared.epoch;
      const { vae, split, dataset } = prepared;
      let lastStep = 0;
      const job = new Trainer(vae, split, prepared.config, {
        ...(prepared.resume ? { resume: prepared.resume } : {}),
        ...(prepared.resumeNote ? { resumeNote: prepared.resumeNote } : {}),
        onEpochEnd: async (t) => {
          await saveCheckpoint(dir, { vae, trainer: t, dataset, name });
          lastSnapshot = Date.now();
          epoch = t.epoch;
          void send({ type: 'checkpoint', epoch });
        },
      });
      trainer = job;
      if (!prepared.resume) {
        // The initial weights are a checkpoint too: the window can decode at once, and a crash in
        // the first epoch still leaves something to resume from.
        await saveCheckpoint(dir, { vae, trainer: job, dataset, name });
      }
      void send({ type: 'started', epoch, epochs: spec.epochs });
      if (spec.latentLimit > 0) await sendLatents(vae, split, spec, epoch);
      const eta = trackEta(job, spec.epochs);
      const liveCloudMs = spec.liveCloudSeconds * 1000;
      let lastLatents = Date.now();
      let latentsEveryMs = liveCloudMs;

      job.on('step', (s) => {
        const now = Date.now();
        if (
          spec.snapshotSeconds > 0 &&
          !snapshotting &&
          now - lastSnapshot >= spec.snapshotSeconds * 1000
        ) {
          // Weights for the inference host between epochs; written while training goes on.
          snapshotting = true;
          lastSnapshot = now;
          pendingSnapshot = writeLiveWeights(spec.libraryDir, modelId, (to) =>
            saveCheckpoint(to, { vae, dataset, name }),
          )
            .then(() => send({ type: 'snapshot' }))
            .catch(() => {})
            .finally(() => (snapshotting = false));
        }
        // The cloud moves during an epoch too: encoding costs at most a fifth of the time.
        if (liveCloudMs > 0 && spec.latentLimit > 0 && now - lastLatents >= latentsEveryMs) {
          const start = Date.now();
          lastLatents = start;
          // A tfjs model encodes at once: this settles before the next step is taken.
          void sendLatents(vae, split, spec, s.epoch).then(() => {
            lastLatents = Date.now();
            latentsEveryMs = Math.max(liveCloudMs, 5 * (lastLatents - start));
          });
        }
        if (now - lastStep < spec.stepIntervalMs && s.stepInEpoch !== s.stepsPerEpoch) return;
        lastStep = now;
        const estimate = eta.estimate();
        void send({
          type: 'event',
          event: 'trainingStep',
          payload: {
            jobId,
            modelId,
            epoch: s.epoch + 1,
            step: s.step,
            loss: s.loss,
            etaSeconds: estimate ? estimate.remainingSeconds : null,
            stepInEpoch: s.stepInEpoch,
            stepsPerEpoch: s.stepsPerEpoch,
          },
        });
      });
      job.on('epoch', (summary: EpochSummary) => {
        void send({ type: 'event', event: 'trainingEpoch', payload: epochPayload(spec, summary) });
        if (spec.latentLimit > 0)
          void sendLatents(vae, split, spec, summary.epoch).then(() => (lastLatents = Date.now()));
      });

      lastSnapshot = Date.now();
      if (pending === 'pause') job.pause();
      if (pending === 'cancel') job.cancel();
      const result = await job.run();
      if (result.status === 'diverged') {
        await finish(
          {
            type: 'failed',
            message: result.message ?? 'training diverged',
            epoch,
            resumable: false,
          },
          spec,
        );
      } else {
        await finish({ type: 'done', status: result.status, epoch }, spec);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await finish(
        { type: 'failed', message, epoch, resumable: !(err instanceof Permanent) },
        spec,
      );
    }
  }

  async function sendLatents(
    vae: Vae,
    split: DatasetSplit,
    spec: TrainSpec,
    epoch: number,
  ): Promise<void> {
    if (!vae.encoder) return;
    const snapshot = await latentSnapshot(vae, split, spec.latentLimit);
    void send({
      type: 'event',
      event: 'trainingLatents',
      payload: { ...snapshot, jobId: spec.jobId, modelId: spec.modelId, epoch },
    });
  }

  async function finish(message: FromTrainer, spec?: TrainSpec): Promise<void> {
    // The library's checkpoint is the model now; mid-epoch weights would outlive their use.
    await pendingSnapshot;
    if (spec) await removeLiveWeights(spec.libraryDir, spec.modelId).catch(() => {});
    await send(message);
    // Give an Electron parentPort a moment to flush; Node's send has already called back.
    setTimeout(() => process.exit(0), 50);
  }
}

function epochPayload(spec: TrainSpec, s: EpochSummary) {
  return {
    jobId: spec.jobId,
    modelId: spec.modelId,
    epoch: s.epoch,
    epochs: s.epochs,
    train: { loss: s.train.loss, reconstruction: s.train.reconstruction, kl: s.train.kl },
    test: { elbo: s.test.elbo, reconstruction: s.test.reconstruction, kl: s.test.kl },
    seconds: s.seconds,
    samplesPerSecond: s.samplesPerSecond,
  };
}

interface Prepared {
  vae: Vae;
  split: DatasetSplit;
  dataset: { spec: string; options: Record<string, unknown>; name: string; itemShape: number[] };
  config: TrainConfigInput;
  resume?: TrainerState;
  resumeNote?: ResumeNote;
  epoch: number;
}

async function open(spec: string, options: Record<string, unknown>): Promise<DatasetSplit> {
  try {
    return await openDataset(spec, options);
  } catch (err) {
    throw new Permanent(`cannot open dataset "${spec}": ${(err as Error).message}`);
  }
}

async function prepare(spec: TrainSpec, dir: string): Promise<Prepared> {
  if (spec.source.from === 'new') {
    const { model, dataset } = spec.source;
    const split = await open(dataset.spec, dataset.options);
    let vae: Vae;
    try {
      vae = Vae.create(model, spec.train.seed ?? 0);
    } catch (err) {
      throw new Permanent((err as Error).message);
    }
    const { descriptor, name, itemShape } = split.train;
    const config = { ...spec.train, epochs: spec.epochs };
    checkShapes(vae, itemShape);
    return {
      vae,
      split,
      dataset: { ...descriptor, options: { ...descriptor.options }, name, itemShape },
      config,
      epoch: 0,
    };
  }
  let loaded;
  try {
    loaded = await loadCheckpoint(dir, { optimizer: true });
  } catch (err) {
    if (!(err instanceof OptimizerStateError)) throw err;
    // Continuing with fresh Adam state is the user's call (the command line's --reset-optimizer).
    throw new Permanent(
      `the saved optimizer state is unusable (${err.message}); continue on the command line with latent-atlas train --resume --reset-optimizer`,
    );
  }
  const recorded = loaded.manifest.dataset;
  if (!recorded)
    throw new Permanent(`${dir} does not record its dataset, so it cannot be trained further`);
  const split = await open(recorded.spec, recorded.options);
  const saved = loaded.manifest.train ?? {};
  const config = { ...saved, ...spec.train, epochs: spec.epochs };
  checkShapes(loaded.vae, split.train.itemShape);
  const changed: ResumeNote['changed'] = {};
  for (const [key, value] of Object.entries(spec.train)) {
    const before = (saved as Record<string, unknown>)[key];
    if (key !== 'epochs' && value !== undefined && before !== value) changed[key] = [before, value];
  }
  return {
    vae: loaded.vae,
    split,
    dataset: recorded,
    config,
    ...(loaded.resume ? { resume: loaded.resume } : {}),
    resumeNote: {
      at: new Date().toISOString(),
      fromEpoch: loaded.manifest.state.epoch,
      changed,
      ...(loaded.manifest.hasOptimizer ? {} : { freshOptimizer: 'saved without optimizer state' }),
    },
    epoch: loaded.manifest.state.epoch,
  };
}

function checkShapes(vae: Vae, itemShape: number[]): void {
  const size = itemShape.reduce((a, b) => a * b, 1);
  if (size !== vae.inputSize) {
    throw new Permanent(
      `the dataset's items have shape [${itemShape.join(', ')}] but the model expects [${vae.config.inputShape.join(', ')}]`,
    );
  }
}
