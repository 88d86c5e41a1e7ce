import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { openDataset } from '../../src-main/engine/data/registry';
import { evaluate } from '../../src-main/engine/evaluation/evaluate';
import { importanceWeightedLogLikelihood } from '../../src-main/engine/evaluation/iwae';
import { loadCheckpoint, saveCheckpoint } from '../../src-main/engine/io/checkpoint';
import { listGeometries } from '../../src-main/engine/latent/registry';
import { Vae } from '../../src-main/engine/model/model';
import { incompatibility, listObjectives } from '../../src-main/engine/objectives/registry';
import { exportOnnx } from '../../src-main/engine/onnx/onnx-export';
import { onnxFiles, openOnnx } from '../../src-main/engine/onnx/onnx-open';
import { Trainer } from '../../src-main/engine/training/train';
import { expectExactResume } from '../engine/resume-check';

/**
 * Deterministic encoders (WAE, Tolstikhin et al. 2018): `encoder: 'deterministic'` gives one code
 * per item. Every geometry × objective pair that makes sense trains, saves, resumes and loads
 * with one; what needs q(z|x) is refused with the reason (KL, the mixture prior, ELBO, IWAE).
 */

let mnist: DatasetSplit;

beforeAll(async () => {
  await initBackend();
  mnist = await openDataset('mnist', { limit: 256 });
});

function config(latent: string, objective: string) {
  return {
    inputShape: [28, 28, 1],
    latent: { kind: latent, dim: 3 },
    objective: { kind: objective, weight: 10 },
    net: { kind: 'mlp' as const, hidden: [32] },
    likelihood: 'bernoulli' as const,
    encoder: 'deterministic' as const,
  };
}

const latents = listGeometries().map((g) => g.kind);
const objectives = listObjectives().map((o) => o.kind);
const pairs = latents.flatMap((l) => objectives.map((o) => [l, o] as const));
const sensible = pairs.filter(([l, o]) => !incompatibility(l, o, 'deterministic'));

describe('a deterministic encoder', () => {
  it('refuses KL and the mixture prior with the reason, and allows the aggregate objectives', () => {
    expect(incompatibility('gaussian', 'kl', 'deterministic')).toMatch(
      /no density q\(z\|x\), so --objective kl .* mmd, swd, cw, cdf or l2/,
    );
    expect(incompatibility('mixture', 'mmd', 'deterministic')).toMatch(/has no q\(z\|x\)/);
    expect(incompatibility('gaussian', 'kl')).toBeUndefined();
    for (const o of ['mmd', 'swd', 'cw', 'cdf', 'l2'])
      expect(incompatibility('gaussian', o, 'deterministic'), o).toBeUndefined();
    expect(() => Vae.create(config('gaussian', 'kl'))).toThrow(/no density q\(z\|x\)/);
  });

  for (const [latent, objective] of sensible) {
    it(`${latent} × ${objective}: trains, has no ELBO or IWAE, saves, resumes and loads`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'atlas-point-'));
      const vae = Vae.create(config(latent, objective), 1);
      expect(vae.encoding).toBe('point');
      // The encoder emits the code itself: d values, not the geometry's head.
      expect(vae.encoder!.outputs[0].shape[1]).toBe(3);
      const trainer = new Trainer(vae, mnist, { epochs: 1, batchSize: 64, seed: 2 });
      const result = await trainer.run();
      expect(result.status).toBe('completed');
      const epoch = result.history[0];
      expect(epoch.train.kl).toBeNull();
      expect(epoch.test.elbo).toBeNull();
      expect(epoch.test.kl).toBeNull();
      expect(epoch.test.reconstruction).toBeGreaterThan(0);

      // The code of an item is what the decoder sees: encode is deterministic, on the sphere unit.
      const x = mnist.test.batch([0, 1, 2, 3]);
      const z = vae.encode(x, 4);
      expect(Array.from(vae.encode(x, 4))).toEqual(Array.from(z));
      if (latent !== 'gaussian')
        for (let i = 0; i < 4; i++)
          expect(Math.hypot(z[3 * i], z[3 * i + 1], z[3 * i + 2])).toBeCloseTo(1, 5);
      const figures = await evaluate(vae, mnist.test);
      expect(figures.elbo).toBeNull();
      // One code per item: the reconstruction error is the same at every evaluation seed.
      expect((await evaluate(vae, mnist.test, { seed: 9 })).reconstruction).toBe(
        figures.reconstruction,
      );
      await expect(
        importanceWeightedLogLikelihood(vae, mnist.test, { samples: 5 }),
      ).rejects.toThrow(/IWAE\) needs a posterior density/);

      const target = path.join(dir, 'model');
      await saveCheckpoint(target, { vae, trainer });
      const loaded = await loadCheckpoint(target);
      expect(loaded.manifest.model.encoder).toBe('deterministic');
      expect(loaded.vae.encoding).toBe('point');
      expect(Array.from(loaded.vae.encode(x, 4))).toEqual(Array.from(z));
      // Resumes exactly where it stopped: its second epoch equals an uninterrupted run's.
      await expectExactResume(config(latent, objective), mnist, target);
      trainer.dispose();
      vae.dispose();
      loaded.vae.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
  }

  it('exports to ONNX as one code output, which opens back as a deterministic encoder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atlas-point-onnx-'));
    for (const latent of ['gaussian', 'sphere']) {
      const vae = Vae.create(config(latent, 'mmd'), 3);
      const out = path.join(dir, latent);
      const report = await exportOnnx(vae, out, {
        source: { name: latent, format: 'atlas' },
      });
      expect(report.encoderOutputs).toEqual(['code']);
      const onnx = await openOnnx(onnxFiles(out)!);
      expect(onnx.model.encoding).toBe('point');
      const x = mnist.test.batch([5, 6, 7]);
      const want = vae.encode(x, 3);
      const got = await onnx.model.encode(x, 3);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
      onnx.model.dispose();
      vae.dispose();
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
