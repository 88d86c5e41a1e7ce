import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { openDataset } from '../../src-main/engine/data/registry';
import { evaluate, withElbo } from '../../src-main/engine/evaluation/evaluate';
import { Vae } from '../../src-main/engine/model/model';
import { Trainer } from '../../src-main/engine/training/train';
import { mnistConfig } from './helpers';

// wasm has no Conv2DBackpropFilter kernel: conv nets train through fast-gradients.ts' im2col.
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('convolutional VAE', () => {
  it('trains on the wasm backend and lowers the test loss', async () => {
    const data = await openDataset('mnist', { limit: 512 });
    const vae = Vae.create(
      mnistConfig({ net: { kind: 'conv', channels: [8, 16], convDense: 64 } }),
      1,
    );
    expect(vae.decoder.layers.map((l) => l.getClassName())).toContain('Conv2DTranspose');
    const before = withElbo(await evaluate(vae, data.test));
    const trainer = new Trainer(vae, data, { epochs: 2, batchSize: 32, learningRate: 2e-3 });
    const result = await trainer.run();
    expect(result.status).toBe('completed');
    expect(withElbo(result.history.at(-1)!.test).elbo - before.elbo).toBeGreaterThan(150);
    const images = vae.decode(vae.samplePrior(4, 1), 4);
    expect(images).toHaveLength(4 * 784);
    vae.dispose();
    trainer.dispose();
  });

  it('trains with a Gaussian likelihood on procedural shapes', async () => {
    const data = await openDataset('shapes', { limit: 256 });
    const [h, w] = data.train.itemShape;
    const vae = Vae.create(
      {
        inputShape: [h, w, 1],
        latent: { kind: 'gaussian', dim: 4 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'conv', channels: [8, 8], convDense: 32 },
        likelihood: 'gaussian',
        gaussianSigma: 0.2,
      },
      2,
    );
    const trainer = new Trainer(vae, data, { epochs: 2, batchSize: 32 });
    const result = await trainer.run();
    const [first, last] = [result.history[0], result.history.at(-1)!];
    expect(last.train.loss).toBeLessThan(first.train.loss);
    expect(Number.isFinite(last.test.elbo)).toBe(true);
    vae.dispose();
    trainer.dispose();
  });

  it('refuses an image size the stride-2 stages cannot halve', () => {
    expect(() =>
      Vae.create(
        mnistConfig({ inputShape: [30, 30, 1], net: { kind: 'conv', channels: [8, 8, 8] } }),
      ),
    ).toThrow(/divisible by 8; got \[30, 30, 1\]/);
  });
});
