import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents, toyModel, until } from '../api/shared-suite';
import { startForkedHost, type ForkedHost } from './forked-host';

/** What the training panel shows while an epoch runs: a time estimate and a cloud that moves. */
describe('live training feedback', () => {
  let host: ForkedHost;
  let seen: ReturnType<typeof recordEvents>;

  beforeAll(() => {
    host = startForkedHost('atlas-progress-');
    seen = recordEvents(host.api);
  });
  afterAll(() => host.close());

  it('estimates the time left from the first steps and refreshes the cloud within an epoch', async () => {
    const { api } = host;
    const { job } = await api.startTraining({
      dataset: { spec: 'toy:rings', options: { limit: 6000 } },
      model: toyModel,
      train: { epochs: 2, batchSize: 5, learningRate: 0.01 },
      latentLimit: 500,
      stepIntervalMs: 50,
      liveCloudSeconds: 0.2,
    });
    const steps = () => seen.trainingStep.filter((e) => e.jobId === job.jobId);
    const clouds = () => seen.trainingLatents.filter((e) => e.jobId === job.jobId);
    // Several clouds before the first epoch ends (the first comes at the start).
    await until(() => clouds().length >= 3, 'clouds during the first epoch');
    expect(seen.trainingEpoch.filter((e) => e.jobId === job.jobId)).toEqual([]);
    expect(clouds().every((c) => c.epoch === 0)).toBe(true);
    // An estimate before any epoch has ended, and a position within the epoch.
    await until(() => steps().some((s) => typeof s.etaSeconds === 'number'), 'an estimate');
    const last = steps().at(-1)!;
    expect(last.etaSeconds).toBeGreaterThan(0);
    expect(last.stepsPerEpoch).toBeGreaterThan(last.stepInEpoch!);
    await api.cancelTraining({ jobId: job.jobId });
  });
});
