import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src-main/api/contract';
import type { EventName } from '../../src-main/api/names';
import { parseParams } from '../../src-main/api/validate';
import { TrainingJobs } from '../../src-main/host/training/jobs';
import { toyModel } from '../api/shared-suite';
import { fakeLauncher, type FakeProcess } from './fake-launcher';

describe('training jobs (with stand-in processes)', () => {
  let libraryDir: string;
  let events: [EventName, unknown][];
  let checkpoints: string[];
  let spawned: FakeProcess[];
  let jobs: TrainingJobs;

  beforeEach(() => {
    libraryDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-jobs-'));
    events = [];
    checkpoints = [];
    const fake = fakeLauncher();
    spawned = fake.spawned;
    jobs = new TrainingJobs(fake.launcher, {
      libraryDir,
      emit: <E extends EventName>(event: E, payload: EventPayload<E>) =>
        void events.push([event, payload]),
      onCheckpoint: (id) => void checkpoints.push(id),
      ackTimeoutMs: 200,
    });
  });
  afterEach(() => rmSync(libraryDir, { recursive: true, force: true }));

  const start = () =>
    jobs.start(
      parseParams('startTraining', {
        name: 'moons',
        dataset: { spec: 'toy:moons' },
        model: toyModel,
        train: { epochs: 4 },
      }),
    );
  const named = (name: EventName) => events.filter(([e]) => e === name).map(([, p]) => p);

  it('spawns one training process per job and sends it the spec', () => {
    const a = start();
    const b = start();
    expect(spawned.map((p) => p.role)).toEqual(['train', 'train']);
    expect(a.modelId).not.toBe(b.modelId);
    expect(spawned[0].sent[0]).toMatchObject({
      type: 'start',
      spec: { jobId: a.jobId, epochs: 4, source: { from: 'new' } },
    });
    expect(a.state).toBe('starting');
  });

  it('follows what the process reports: started, checkpoints, events, done', () => {
    const job = start();
    const p = spawned[0];
    p.say({ type: 'started', epoch: 0, epochs: 4 });
    p.say({
      type: 'event',
      event: 'trainingStep',
      payload: { jobId: job.jobId, modelId: job.modelId, epoch: 1, step: 1, loss: 2 },
    });
    p.say({ type: 'checkpoint', epoch: 1 });
    expect(jobs.list()[0]).toMatchObject({ state: 'running', epoch: 1 });
    expect(checkpoints).toEqual([job.modelId, job.modelId]);
    expect(named('trainingStep')).toHaveLength(1);
    p.say({ type: 'done', status: 'completed', epoch: 4 });
    p.exit({ code: 0, signal: null });
    expect(jobs.list()[0]).toMatchObject({ state: 'completed', epoch: 4 });
    expect(named('trainingError')).toEqual([]);
  });

  it('turns an exit without a report into a failed job and a trainingError', () => {
    const job = start();
    spawned[0].say({ type: 'started', epoch: 0, epochs: 4 });
    spawned[0].say({ type: 'checkpoint', epoch: 2 });
    spawned[0].exit({ code: null, signal: 'SIGKILL' });
    expect(jobs.list()[0]).toMatchObject({
      state: 'failed',
      error: 'the training process killed by SIGKILL',
    });
    expect(named('trainingError')).toEqual([
      {
        jobId: job.jobId,
        modelId: job.modelId,
        message: 'the training process killed by SIGKILL',
        lastEpoch: 2,
        resumable: true,
      },
    ]);
  });

  it('resumes a failed job from its checkpoint, or from scratch when it never wrote one', async () => {
    const job = start();
    spawned[0].exit({ code: 1, signal: null });
    await jobs.resume(job.jobId);
    expect(spawned[1].sent[0]).toMatchObject({ type: 'start', spec: { source: { from: 'new' } } });

    mkdirSync(path.join(libraryDir, job.modelId));
    writeFileSync(path.join(libraryDir, job.modelId, 'manifest.json'), '{}');
    spawned[1].exit({ code: 1, signal: null });
    const resumed = await jobs.resume(job.jobId);
    expect(resumed.state).toBe('starting');
    expect(spawned[2].sent[0]).toMatchObject({
      type: 'start',
      spec: { source: { from: 'checkpoint' }, epochs: 4 },
    });
  });

  it('refuses to resume a job that failed permanently, or one that completed', async () => {
    const a = start();
    spawned[0].say({
      type: 'failed',
      message: 'cannot open dataset "toy:nope"',
      epoch: 0,
      resumable: false,
    });
    await expect(jobs.resume(a.jobId)).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('toy:nope'),
    });
    const b = start();
    spawned[1].say({ type: 'done', status: 'completed', epoch: 4 });
    await expect(jobs.resume(b.jobId)).rejects.toMatchObject({ code: 'refused' });
    await expect(jobs.pause('job-nope')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('pauses and resumes on the process’s acknowledgement, and says so when it does not answer', async () => {
    const job = start();
    const p = spawned[0];
    p.say({ type: 'started', epoch: 0, epochs: 4 });
    const pausing = jobs.pause(job.jobId);
    expect(p.sent.at(-1)).toEqual({ type: 'control', action: 'pause' });
    p.say({ type: 'paused' });
    expect((await pausing).state).toBe('paused');
    const resuming = jobs.resume(job.jobId);
    p.say({ type: 'resumed' });
    expect((await resuming).state).toBe('running');
    await expect(jobs.pause(job.jobId)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('cancels, killing a process that does not stop', async () => {
    const job = start();
    const p = spawned[0];
    const cancelling = jobs.cancel(job.jobId);
    p.say({ type: 'done', status: 'cancelled', epoch: 0 });
    expect((await cancelling).state).toBe('cancelled');

    const stuck = start();
    expect((await jobs.cancel(stuck.jobId)).state).toBe('cancelled');
    expect(spawned[1].killed).toBe(true);
    expect(
      named('trainingError').filter((e) => (e as { jobId: string }).jobId === stuck.jobId),
    ).toEqual([]);
  });

  it('reports a malformed message or event from a process as a hostError', () => {
    const job = start();
    spawned[0].say({ type: 'checkpoint', epoch: 'one' });
    spawned[0].say({
      type: 'event',
      event: 'trainingStep',
      payload: { jobId: job.jobId, modelId: job.modelId, loss: [1] },
    });
    const errors = named('hostError') as { role: string; message: string }[];
    expect(errors).toHaveLength(2);
    expect(errors[0].message).toMatch(/malformed message: epoch/);
    expect(errors[1].message).toMatch(/invalid payload for event "trainingStep"/);
  });

  it('refuses a second job on a model being trained', () => {
    const job = start();
    expect(() =>
      jobs.continueFrom(parseParams('continueTraining', { modelId: job.modelId, epochs: 2 }), {
        name: 'moons',
        epoch: 0,
      }),
    ).toThrow(/already being trained/);
  });
});
