import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAtlasApi, type AtlasApi } from '../../src-main/api/atlas-api';
import { forkLauncher } from '../../src-main/host/fork-launcher';
import { liveWeightsDir } from '../../src-main/host/live-weights';
import { Supervisor } from '../../src-main/host/supervisor';
import { recordEvents, toyModel, until } from '../api/shared-suite';

describe('decoding a model while it trains', () => {
  let scratch: string;
  let libraryDir: string;
  let supervisor: Supervisor;
  let api: AtlasApi;
  let seen: ReturnType<typeof recordEvents>;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-live-'));
    libraryDir = path.join(scratch, 'library');
    supervisor = new Supervisor({
      libraryDir,
      demoDir: null,
      launcher: forkLauncher(),
      transport: 'direct',
    });
    api = createAtlasApi(supervisor.invoke, supervisor.subscribe);
    seen = recordEvents(api);
  });
  afterAll(() => {
    supervisor.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('uses weights from within the running epoch, and drops them when training ends', async () => {
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
