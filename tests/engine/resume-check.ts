import { expect } from 'vitest';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { loadCheckpoint } from '../../src-main/engine/io/checkpoint';
import { Vae } from '../../src-main/engine/model/model';
import { Trainer } from '../../src-main/engine/training/train';
import type { ModelConfigInput } from '../../src-main/shared/config';

/**
 * Checks that the one-epoch checkpoint at `target` (trained from `Vae.create(config, 1)` with
 * batch 64, seed 2) resumes exactly: its second epoch's loss equals that of an uninterrupted
 * two-epoch run of the same model.
 */
export async function expectExactResume(
  config: ModelConfigInput,
  data: DatasetSplit,
  target: string,
): Promise<void> {
  const straightVae = Vae.create(config, 1);
  const straight = new Trainer(straightVae, data, { epochs: 2, batchSize: 64, seed: 2 });
  const uninterrupted = await straight.run();
  const again = await loadCheckpoint(target, { optimizer: true });
  const resumed = new Trainer(
    again.vae,
    data,
    { ...again.manifest.train!, epochs: 2 },
    { resume: again.resume! },
  );
  const continued = await resumed.run();
  expect(continued.history.map((e) => e.epoch)).toEqual([1, 2]);
  expect(continued.history[1].train.loss).toBeCloseTo(uninterrupted.history[1].train.loss, 3);
  straight.dispose();
  resumed.dispose();
  straightVae.dispose();
  again.vae.dispose();
}
