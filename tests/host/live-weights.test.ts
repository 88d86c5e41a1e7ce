import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveWeightsDir } from '../../src-main/host/training/live-weights';
import { recordEvents, toyModel, until } from '../api/shared-suite';
import { startForkedHost, type ForkedHost } from './forked-host';

describe('decoding a model while it trains', () => {
  let host: ForkedHost;
  let seen: ReturnType<typeof recordEvents>;

  beforeAll(() => {
    host = startForkedHost('atlas-live-');
    seen = recordEvents(host.api);
  });
  afterAll(() => host.close());

  it('uses weights from within the running epoch, and drops them when training ends', async () => {
    const { api, libraryDir } = host;
    const { job } = await api.startTraining({
      dataset: { spec: 'toy:rings', options: { limit: 6000 } },
      model: toyModel,
      train: { epochs: 1, batchSize: 5, learningRate: 0.01 },
      latentLimit: 0,
      snapshotSeconds: 0.2,
    });
    // Held before its first step: the decoder is the initial checkpoint's.
    await api.pauseTraining({ jobId: job.jobId });
    await until(
      () => seen.modelsChanged.some((e) => e.modelIds.includes(job.modelId)),
      'the initial checkpoint',
    );
    const z = Float32Array.from([0.3, -0.7]);
    const first = (await api.decode({ modelId: job.modelId, z, n: 1 })).images;

    await api.resumeTraining({ jobId: job.jobId });
    await until(() => existsSync(liveWeightsDir(libraryDir, job.modelId)), 'mid-epoch weights');
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Paused mid-epoch: no checkpoint since the initial one, yet decodes see trained weights.
    await api.pauseTraining({ jobId: job.jobId });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const later = (await api.decode({ modelId: job.modelId, z, n: 1 })).images;
    expect(seen.trainingEpoch.filter((e) => e.jobId === job.jobId)).toEqual([]);
    expect(later[0]).not.toBe(first[0]);
    expect((await api.openModel({ modelId: job.modelId })).model.epoch).toBe(0);

    await api.cancelTraining({ jobId: job.jobId });
    expect(existsSync(liveWeightsDir(libraryDir, job.modelId))).toBe(false);
    const reverted = (await api.decode({ modelId: job.modelId, z, n: 1 })).images;
    expect(reverted[0]).toBe(first[0]);
  });
});
