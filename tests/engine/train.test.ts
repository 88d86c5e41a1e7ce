import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { openDataset } from '../../src-main/engine/data/registry';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { evaluate, withElbo } from '../../src-main/engine/evaluation/evaluate';
import { Vae } from '../../src-main/engine/model/model';
import { Trainer } from '../../src-main/engine/training/train';
import { tf } from '../../src-main/engine/tf';
import { mnistConfig } from './helpers';

let mnist: DatasetSplit;

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  mnist = await openDataset('mnist', { limit: 1024 });
});

describe('Trainer', () => {
  it('lowers the test loss by a clear margin on an MNIST subset', async () => {
    const vae = Vae.create(mnistConfig(), 1);
    const before = withElbo(await evaluate(vae, mnist.test));
    const trainer = new Trainer(vae, mnist, { epochs: 3, batchSize: 64, learningRate: 2e-3 });
    const epochs: number[] = [];
    trainer.on('epoch', (e) => epochs.push(withElbo(e.test).elbo));
    const result = await trainer.run();
    expect(result.status).toBe('completed');
    expect(epochs).toHaveLength(3);
    const after = withElbo(result.history.at(-1)!.test);
    // An untrained net scores about −545 nats (784 · log 2); three short epochs reach well above −250.
    expect(after.elbo - before.elbo).toBeGreaterThan(250);
    expect(after.elbo).toBeGreaterThan(-250);
    expect(result.history.at(-1)!.samplesPerSecond).toBeGreaterThan(0);
    vae.dispose();
    trainer.dispose();
  });

  it('leaks no tensors: tf.memory().numTensors is flat from epoch to epoch', async () => {
    const vae = Vae.create(mnistConfig(), 2);
    const trainer = new Trainer(vae, mnist, { epochs: 4, batchSize: 128 });
    const counts: number[] = [];
    trainer.on('epoch', () => counts.push(tf.memory().numTensors));
    await trainer.run();
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[1]).toBe(counts[0]);
    vae.dispose();
    trainer.dispose();
  });

  it('is reproducible from its seed on the cpu backend', async () => {
    const run = async () => {
      const vae = Vae.create(mnistConfig(), 5);
      const trainer = new Trainer(vae, mnist, { epochs: 1, batchSize: 128, seed: 9 });
      const losses: number[] = [];
      trainer.on('step', (e) => losses.push(e.loss));
      await trainer.run();
      vae.dispose();
      trainer.dispose();
      return losses;
    };
    const [a, b] = [await run(), await run()];
    expect(a.length).toBeGreaterThan(3);
    expect(a).toEqual(b);
  });

  it('stops on a non-finite loss with a clear message and keeps finite weights', async () => {
    const vae = Vae.create(mnistConfig(), 3);
    // A corrupt item (NaN pixels) reaches the loss in the fifth batch.
    let calls = 0;
    const poisoned = {
      ...mnist.train,
      batch: (indices: ArrayLike<number>) => {
        const x = mnist.train.batch(indices);
        if (++calls === 5) x[100] = NaN;
        return x;
      },
    };
    const trainer = new Trainer(vae, { ...mnist, train: poisoned }, { epochs: 2, batchSize: 64 });
    const result = await trainer.run();
    expect(result.status).toBe('diverged');
    expect(result.message).toMatch(/diverged: the loss became NaN at step 4 /);
    const finite = tf.tidy(() =>
      vae.trainableVariables().every((v) => tf.all(tf.isFinite(v)).dataSync()[0] === 1),
    );
    expect(finite).toBe(true);
    vae.dispose();
    trainer.dispose();
  });

  it('cancels between steps', async () => {
    const vae = Vae.create(mnistConfig(), 4);
    const trainer = new Trainer(vae, mnist, { epochs: 5, batchSize: 32 });
    trainer.on('step', (e) => {
      if (e.step === 3) trainer.cancel();
    });
    const result = await trainer.run();
    expect(result.status).toBe('cancelled');
    expect(result.step).toBe(3);
    vae.dispose();
    trainer.dispose();
  });

  it('refuses data whose items do not fit the model', async () => {
    const vae = Vae.create(mnistConfig({ inputShape: [2] }), 1);
    expect(() => new Trainer(vae, mnist, { epochs: 1 })).toThrow(
      /items have shape \[28, 28, 1\].*expects \[2\]/,
    );
    vae.dispose();
  });

  it('stops a run that diverges without NaN (lr 10), before saving the epoch', async () => {
    const vae = Vae.create(mnistConfig(), 5);
    let saves = 0;
    const trainer = new Trainer(
      vae,
      mnist,
      { epochs: 2, batchSize: 64, learningRate: 10 },
      { onEpochEnd: () => void saves++ },
    );
    const diverged: string[] = [];
    trainer.on('diverged', (d) => diverged.push(d.message));
    const result = await trainer.run();
    expect(result.status).toBe('diverged');
    expect(result.message).toMatch(
      /training diverged: the loss reached .* orders of magnitude above its running median/,
    );
    expect(result.message).toMatch(/lower learning rate/);
    expect(diverged).toEqual([result.message]);
    expect(saves).toBe(0);
    expect(result.history).toHaveLength(0);
    vae.dispose();
    trainer.dispose();
  });

  it('does not stop normal short runs (images and points, KL warm-up, a brisk lr)', async () => {
    const moons = await openDataset('toy:moons', { limit: 512 });
    const runs: [ReturnType<typeof mnistConfig>, DatasetSplit, number][] = [
      [mnistConfig(), mnist, 3e-3],
      [mnistConfig({ objective: { kind: 'kl', weight: 1, warmupSteps: 30 } }), mnist, 1e-3],
      [
        mnistConfig({
          inputShape: [2],
          likelihood: 'gaussian',
          net: { kind: 'mlp', hidden: [32] },
        }),
        moons,
        1e-2,
      ],
    ];
    for (const [config, data, learningRate] of runs) {
      const vae = Vae.create(config, 2);
      const trainer = new Trainer(vae, data, { epochs: 2, batchSize: 32, learningRate });
      const result = await trainer.run();
      expect(result.message ?? '').toBe('');
      expect(result.status).toBe('completed');
      vae.dispose();
      trainer.dispose();
    }
  });
});
