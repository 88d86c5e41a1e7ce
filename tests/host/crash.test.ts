import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveWeightsDir } from '../../src-main/host/training/live-weights';
import { recordEvents, toyModel, until } from '../api/shared-suite';
import { startForkedHost, type ForkedHost } from './forked-host';

describe('a host process killed mid-training', () => {
  let host: ForkedHost;
  let seen: ReturnType<typeof recordEvents>;

  beforeAll(() => {
    host = startForkedHost('atlas-crash-');
    seen = recordEvents(host.api);
  });
  afterAll(() => host.close());

  it('surfaces an error, keeps the last checkpoint, and resumes from it', async () => {
    const { api, libraryDir, supervisor } = host;
    const { job } = await api.startTraining({
      dataset: { spec: 'toy:rings', options: { limit: 3000 } },
      model: toyModel,
      train: { epochs: 3, batchSize: 10 },
      latentLimit: 0,
      stepIntervalMs: 0,
      snapshotSeconds: 1,
    });
    const states = () => seen.jobChanged.filter((e) => e.job.jobId === job.jobId).map((e) => e.job);
    await until(() => states().some((j) => j.epoch >= 1), 'the first epoch checkpoint');
    const pid = supervisor.jobs.pidOf(job.jobId)!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    const error = await until(
      () => seen.trainingError.find((e) => e.jobId === job.jobId),
      'the training error event',
    );
    expect(error.message).toMatch(/training process killed by SIGKILL/);
    expect(error.resumable).toBe(true);
    expect(error.lastEpoch).toBeGreaterThanOrEqual(1);
    expect(states().at(-1)?.state).toBe('failed');
    expect(existsSync(liveWeightsDir(libraryDir, job.modelId))).toBe(false);

    // The window's side stays up: the library lists the model at its last checkpoint, and decodes.
    const { models } = await api.listModels();
    const model = models.find((m) => m.modelId === job.modelId)!;
    expect(model.epoch).toBe(error.lastEpoch);
    expect(model.training).toBe(false);
    const decoded = await api.decode({ modelId: job.modelId, z: new Float32Array(2), n: 1 });
    expect(decoded.images.length).toBe(2);

    const stepsBefore = seen.trainingEpoch.filter((e) => e.jobId === job.jobId).length;
    const resumed = await api.resumeTraining({ jobId: job.jobId });
    expect(resumed.job.state).toBe('starting');
    await until(() => states().at(-1)?.state === 'completed', 'the resumed job to complete');
    const after = seen.trainingEpoch.filter((e) => e.jobId === job.jobId).slice(stepsBefore);
    // It continued from the checkpoint: no epoch was trained twice.
    expect(after[0].epoch).toBe(error.lastEpoch + 1);
    expect(after.at(-1)?.epoch).toBe(3);
    expect((await api.openModel({ modelId: job.modelId })).model.epoch).toBe(3);
    const leftovers = readdirSync(libraryDir).filter((f) => /\.(saving|previous)-/.test(f));
    expect(leftovers).toEqual([]);
  });

  it('restarts a killed inference host on the next request, with the library intact', async () => {
    const { api, libraryDir, supervisor } = host;
    const { models } = await api.listModels();
    expect(models.length).toBe(1);
    const pid = supervisor.inference.pid!;
    process.kill(pid, 'SIGKILL');
    const error = await until(
      () => seen.hostError.find((e) => e.role === 'inference'),
      'the host error event',
    );
    expect(error.message).toMatch(/inference host killed by SIGKILL/);
    const again = await api.decode({ modelId: models[0].modelId, z: new Float32Array(4), n: 2 });
    expect(again.images.length).toBe(4);
    expect(supervisor.inference.pid).not.toBe(pid);
    expect(existsSync(path.join(libraryDir, models[0].modelId, 'manifest.json'))).toBe(true);
  });

  it('runs latents and coverage in a batch host of its own: decodes never queue behind them, nor die with it', async () => {
    const { api, supervisor } = host;
    const { modelId } = (await api.listModels()).models[0];
    await api.coverage({ modelId, limit: 100 });
    const batchPid = supervisor.batch.pid!;
    const inferencePid = supervisor.inference.pid!;
    expect(batchPid).toBeGreaterThan(0);
    expect(batchPid).not.toBe(inferencePid);
    process.kill(batchPid, 'SIGKILL');
    await until(
      () => seen.hostError.find((e) => /batch host killed by SIGKILL/.test(e.message)),
      'the batch host error event',
    );
    const decoded = await api.decode({ modelId, z: new Float32Array(2), n: 1 });
    expect(decoded.images.length).toBe(2);
    expect(supervisor.inference.pid).toBe(inferencePid);
    const cloud = await api.latents({ modelId, limit: 50, split: 'test' });
    expect(cloud.n).toBe(50);
    expect(supervisor.batch.pid).not.toBe(batchPid);
  });
});
