import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EventPayload, ParsedParams } from '../../api/contract';
import { AtlasError } from '../../api/errors';
import { FromTrainer, type TrainSpec } from '../../api/host-protocol';
import type { EventName } from '../../api/names';
import type { JobInfo } from '../../api/records';
import { describeIssues, parseEvent } from '../../api/validate';
import { newJobId, newModelId } from '../library/ids';
import {
  describeExit,
  type ExitInfo,
  type HostLauncher,
  type HostProcess,
} from '../process/launcher';
import { liveWeightsDir } from './live-weights';

interface Job {
  info: JobInfo;
  spec: TrainSpec;
  /** The spec's first source, to start over when a job died before its first checkpoint. */
  origin: TrainSpec['source'];
  process?: HostProcess;
  /** The process reported its end (done or failed); an exit without one is a crash. */
  reported: boolean;
  resumable: boolean;
  waiters: Map<'paused' | 'resumed' | 'ended', (() => void)[]>;
}

export interface TrainingJobsOptions {
  libraryDir: string;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** A job wrote a checkpoint of this model. */
  onCheckpoint(modelId: string): void;
  /** A job wrote mid-epoch weights of this model for inference. */
  onSnapshot?(modelId: string): void;
  /** How long pause, resume and cancel wait for the training process to answer. */
  ackTimeoutMs?: number;
}

/**
 * Training jobs, each in its own process. Tracks state from what the processes report; a process
 * that exits without reporting its end becomes a failed job with a `trainingError` event, and
 * `resume` restarts it from the last checkpoint it wrote.
 */
export class TrainingJobs {
  private readonly jobs = new Map<string, Job>();
  private closed = false;

  constructor(
    private readonly launcher: HostLauncher,
    private readonly options: TrainingJobsOptions,
  ) {}

  start(params: ParsedParams<'startTraining'>): JobInfo {
    const {
      model,
      dataset,
      train,
      latentLimit,
      stepIntervalMs,
      snapshotSeconds,
      liveCloudSeconds,
    } = params;
    const name =
      params.name ??
      `${
        dataset.spec
          .split(/[:/\\]/)
          .filter(Boolean)
          .pop() ?? 'data'
      } · ${model.latent.kind} · d=${model.latent.dim}`;
    const modelId = newModelId(name);
    return this.create(
      {
        jobId: newJobId(),
        modelId,
        libraryDir: this.options.libraryDir,
        name,
        source: { from: 'new', model, dataset },
        train: { ...train },
        epochs: train.epochs,
        latentLimit,
        stepIntervalMs,
        snapshotSeconds,
        liveCloudSeconds,
      },
      0,
    );
  }

  /** Trains library model `modelId` (at epoch `epoch`) for `params.epochs` more epochs. */
  continueFrom(
    params: ParsedParams<'continueTraining'>,
    current: { name: string; epoch: number },
  ): JobInfo {
    this.refuseIfTraining(params.modelId);
    return this.create(
      {
        jobId: newJobId(),
        modelId: params.modelId,
        libraryDir: this.options.libraryDir,
        name: current.name,
        source: { from: 'checkpoint' },
        train: { ...(params.train ?? {}) },
        epochs: current.epoch + params.epochs,
        latentLimit: params.latentLimit,
        stepIntervalMs: params.stepIntervalMs,
        snapshotSeconds: params.snapshotSeconds,
        liveCloudSeconds: params.liveCloudSeconds,
      },
      current.epoch,
    );
  }

  async pause(jobId: string): Promise<JobInfo> {
    const job = this.get(jobId);
    if (job.info.state === 'paused') return { ...job.info };
    if (!this.isLive(job))
      throw new AtlasError('refused', `job ${jobId} is ${job.info.state}: nothing to pause`);
    await this.control(job, 'pause', 'paused');
    return { ...job.info };
  }

  /** Resumes a paused job; restarts a failed or cancelled one from its last checkpoint. */
  async resume(jobId: string): Promise<JobInfo> {
    const job = this.get(jobId);
    const { state } = job.info;
    if (state === 'paused' && job.process) {
      await this.control(job, 'resume', 'resumed');
      return { ...job.info };
    }
    if (state === 'running' || state === 'starting') return { ...job.info };
    if (state === 'completed') {
      throw new AtlasError(
        'refused',
        `job ${jobId} has completed; train the model further with continueTraining`,
      );
    }
    if (!job.resumable) {
      throw new AtlasError(
        'refused',
        `job ${jobId} cannot be resumed: ${job.info.error ?? 'it failed permanently'}`,
      );
    }
    this.refuseIfTraining(job.info.modelId, jobId);
    const checkpoint = path.join(this.options.libraryDir, job.info.modelId, 'manifest.json');
    job.spec = {
      ...job.spec,
      source: existsSync(checkpoint) ? { from: 'checkpoint' } : job.origin,
    };
    job.info = { ...job.info, state: 'starting', error: undefined };
    this.spawn(job);
    this.changed(job);
    return { ...job.info };
  }

  async cancel(jobId: string): Promise<JobInfo> {
    const job = this.get(jobId);
    if (this.isLive(job) && job.process) {
      const ended = this.waitFor(job, 'ended');
      job.process.send({ type: 'control', action: 'cancel' });
      const ok = await Promise.race([
        ended.then(() => true),
        delay(this.ackTimeout * 3).then(() => false),
      ]);
      if (!ok) {
        job.reported = true;
        job.process?.kill();
      }
    }
    if (job.info.state !== 'completed') {
      job.info = { ...job.info, state: 'cancelled' };
      this.changed(job);
    }
    return { ...job.info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((job) => ({ ...job.info }));
  }

  /** Models a live job is writing. */
  trainingModels(): Set<string> {
    return new Set(
      [...this.jobs.values()].filter((j) => this.isLive(j)).map((j) => j.info.modelId),
    );
  }

  rename(modelId: string, name: string): void {
    for (const job of this.jobs.values()) {
      if (job.info.modelId !== modelId) continue;
      job.info = { ...job.info, name };
      job.spec = { ...job.spec, name };
      if (this.isLive(job)) job.process?.send({ type: 'rename', name });
      this.changed(job);
    }
  }

  /** The training process of a job (tests kill it). */
  pidOf(jobId: string): number | undefined {
    return this.jobs.get(jobId)?.process?.pid;
  }

  close(): void {
    this.closed = true;
    for (const job of this.jobs.values()) {
      job.reported = true;
      job.process?.kill();
    }
  }

  private get ackTimeout(): number {
    return this.options.ackTimeoutMs ?? 10_000;
  }

  private get(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new AtlasError('not-found', `no training job "${jobId}"`);
    return job;
  }

  private isLive(job: Job): boolean {
    return ['starting', 'running', 'paused'].includes(job.info.state);
  }

  private refuseIfTraining(modelId: string, except?: string): void {
    for (const job of this.jobs.values()) {
      if (job.info.jobId !== except && job.info.modelId === modelId && this.isLive(job)) {
        throw new AtlasError(
          'busy',
          `model "${modelId}" is already being trained by job ${job.info.jobId}`,
        );
      }
    }
  }

  private create(spec: TrainSpec, epoch: number): JobInfo {
    if (this.closed) throw new AtlasError('unavailable', 'the engine is shutting down');
    const job: Job = {
      info: {
        jobId: spec.jobId,
        modelId: spec.modelId,
        name: spec.name,
        state: 'starting',
        epoch,
        epochs: spec.epochs,
        startedAt: new Date().toISOString(),
      },
      spec,
      origin: spec.source,
      reported: false,
      resumable: true,
      waiters: new Map(),
    };
    this.jobs.set(spec.jobId, job);
    this.spawn(job);
    this.changed(job);
    return { ...job.info };
  }

  private spawn(job: Job): void {
    const proc = this.launcher('train', job.info.jobId);
    job.process = proc;
    job.reported = false;
    proc.onMessage((raw) => this.onMessage(job, proc, raw));
    proc.onExit((info) => this.onExit(job, proc, info));
    proc.send({ type: 'start', spec: job.spec });
  }

  private onMessage(job: Job, proc: HostProcess, raw: unknown): void {
    if (job.process !== proc) return;
    const parsed = FromTrainer.safeParse(raw);
    if (!parsed.success) {
      this.options.emit('hostError', {
        role: 'train',
        message: `training process sent a malformed message: ${describeIssues(parsed.error)}`,
      });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        return;
      case 'started':
        job.info = {
          ...job.info,
          epoch: message.epoch,
          epochs: message.epochs,
          state: job.info.state === 'paused' ? 'paused' : 'running',
        };
        this.changed(job);
        this.options.onCheckpoint(job.info.modelId);
        return;
      case 'event':
        try {
          this.options.emit(message.event, parseEvent(message.event, message.payload) as never);
        } catch (err) {
          this.options.emit('hostError', { role: 'train', message: (err as Error).message });
        }
        return;
      case 'checkpoint':
        job.info = { ...job.info, epoch: message.epoch };
        this.changed(job);
        this.options.onCheckpoint(job.info.modelId);
        return;
      case 'snapshot':
        this.options.onSnapshot?.(job.info.modelId);
        return;
      case 'paused':
        job.info = { ...job.info, state: 'paused' };
        this.changed(job);
        this.release(job, 'paused');
        return;
      case 'resumed':
        job.info = { ...job.info, state: 'running' };
        this.changed(job);
        this.release(job, 'resumed');
        return;
      case 'done':
        job.reported = true;
        job.info = { ...job.info, state: message.status, epoch: message.epoch };
        this.changed(job);
        this.release(job, 'ended');
        return;
      case 'failed':
        job.reported = true;
        this.fail(job, message.message, message.resumable, message.epoch);
        return;
    }
  }

  private onExit(job: Job, proc: HostProcess, info: ExitInfo): void {
    if (job.process !== proc) return;
    job.process = undefined;
    if (!job.reported && !this.closed) {
      // Decodes go back to the last checkpoint, which is what resuming starts from.
      rmSync(liveWeightsDir(this.options.libraryDir, job.info.modelId), {
        recursive: true,
        force: true,
      });
      this.options.onSnapshot?.(job.info.modelId);
      this.fail(job, `the training process ${describeExit(info)}`, true, job.info.epoch);
    }
    this.release(job, 'ended');
    this.release(job, 'paused');
    this.release(job, 'resumed');
  }

  private fail(job: Job, message: string, resumable: boolean, epoch: number): void {
    job.resumable = resumable;
    job.info = {
      ...job.info,
      state: 'failed',
      error: message,
      epoch: Math.max(epoch, job.info.epoch),
    };
    this.options.emit('trainingError', {
      jobId: job.info.jobId,
      modelId: job.info.modelId,
      message,
      lastEpoch: job.info.epoch,
      resumable,
    });
    this.changed(job);
    this.release(job, 'ended');
  }

  private changed(job: Job): void {
    this.options.emit('jobChanged', { job: { ...job.info } });
  }

  private waitFor(job: Job, what: 'paused' | 'resumed' | 'ended'): Promise<void> {
    return new Promise((resolve) => {
      const list = job.waiters.get(what) ?? [];
      list.push(resolve);
      job.waiters.set(what, list);
    });
  }

  private release(job: Job, what: 'paused' | 'resumed' | 'ended'): void {
    for (const resolve of job.waiters.get(what) ?? []) resolve();
    job.waiters.delete(what);
  }

  private async control(
    job: Job,
    action: 'pause' | 'resume',
    ack: 'paused' | 'resumed',
  ): Promise<void> {
    const acked = this.waitFor(job, ack);
    job.process!.send({ type: 'control', action });
    const ok = await Promise.race([
      acked.then(() => true),
      delay(this.ackTimeout).then(() => false),
    ]);
    if (!ok)
      throw new AtlasError('unavailable', `job ${job.info.jobId} did not answer ${action} in time`);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
