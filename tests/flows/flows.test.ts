import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import type { DatasetSplit } from '../../src-main/engine/data/dataset';
import { openDataset } from '../../src-main/engine/data/registry';
import { evaluate, withElbo } from '../../src-main/engine/evaluation/evaluate';
import { importanceWeightedLogLikelihood } from '../../src-main/engine/evaluation/iwae';
import { latentCoverage } from '../../src-main/engine/evaluation/latent-coverage';
import { firstRows } from '../../src-main/cli/checkpoint-data';
import type { PosteriorFlow } from '../../src-main/engine/flows/flow';
import { InverseAutoregressiveFlow, madeMasks } from '../../src-main/engine/flows/iaf';
import { PlanarFlow } from '../../src-main/engine/flows/planar';
import { loadCheckpoint, saveCheckpoint } from '../../src-main/engine/io/checkpoint';
import { GaussianLatent } from '../../src-main/engine/latent/gaussian';
import { Vae } from '../../src-main/engine/model/model';
import { tf } from '../../src-main/engine/tf';
import { Trainer } from '../../src-main/engine/training/train';
import { modelRefusal } from '../../src-main/engine/model/compatibility';
import { listObjectives } from '../../src-main/engine/objectives/registry';
import { ModelConfig } from '../../src-main/shared/config';
import { expectExactResume } from '../engine/resume-check';
import { det3 } from '../../src-main/shared/maths/linalg';
import { mulberry32, normal } from '../../src-main/shared/random';

/**
 * Posterior flows (engine/flows): planar (Rezende & Mohamed 2015) and inverse autoregressive
 * (Kingma et al. 2016). Log-determinants against finite-difference Jacobians, the planar
 * constraint wᵀû > −1 for any parameters, IAF's triangular Jacobian (MADE masks), the flowed
 * posterior's density, and models with a flow that train, evaluate (ELBO, IWAE), save, load
 * and resume.
 */

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const d = 3;

function randoms(n: number, seed: number, scale = 1): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * normal(rng));
}

/** The flow's map of one row z (params fixed), as plain numbers. */
function mapRow(flow: PosteriorFlow, z: number[], params: Float32Array): number[] {
  return tf.tidy(() =>
    Array.from(
      flow.forward(tf.tensor2d([z], [1, d]), tf.tensor2d(params, [1, flow.headSize])).z.dataSync(),
    ),
  );
}

/** ∂f/∂z at z by central differences, row-major d × d (row i: output i). */
function jacobian(flow: PosteriorFlow, z: number[], params: Float32Array, h = 2e-3): number[] {
  const jac = new Array<number>(d * d).fill(0);
  for (let j = 0; j < d; j++) {
    const up = [...z];
    const down = [...z];
    up[j] += h;
    down[j] -= h;
    const [a, b] = [mapRow(flow, up, params), mapRow(flow, down, params)];
    for (let i = 0; i < d; i++) jac[i * d + j] = (a[i] - b[i]) / (2 * h);
  }
  return jac;
}

function logDetOf(flow: PosteriorFlow, z: number[], params: Float32Array): number {
  return tf.tidy(
    () =>
      flow
        .forward(tf.tensor2d([z], [1, d]), tf.tensor2d(params, [1, flow.headSize]))
        .logDet.dataSync()[0],
  );
}

/** Puts every shared weight of a flow at random values (away from the near-identity start). */
function scramble(flow: PosteriorFlow, seed: number, scale: number): void {
  flow.variables.forEach((v, i) => v.assign(tf.tensor(randoms(v.size, seed + i, scale), v.shape)));
}

describe('planar flow', () => {
  it('has the log-determinant of its finite-difference Jacobian (K = 3)', () => {
    const flow = new PlanarFlow({ kind: 'planar', length: 3 }, d);
    for (const seed of [1, 2, 3]) {
      const params = randoms(flow.headSize, seed, 1.2);
      const z = Array.from(randoms(d, seed + 10));
      const numeric = Math.log(Math.abs(det3(jacobian(flow, z, params))));
      expect(logDetOf(flow, z, params)).toBeCloseTo(numeric, 3);
    }
  });

  it('keeps wᵀû > −1 for any parameters (so the map is invertible and its det positive)', () => {
    const n = 200;
    const u = randoms(n * d, 7, 20);
    const w = randoms(n * d, 8, 0.3);
    // Adversarial: u pointing against w.
    for (let i = 0; i < 50 * d; i++) u[i] = -30 * w[i];
    tf.tidy(() => {
      const uHat = PlanarFlow.constrain(tf.tensor2d(u, [n, d]), tf.tensor2d(w, [n, d]));
      // wᵀû = softplus(wᵀu) − 1 > −1 (to float32's rounding where wᵀu ≪ 0).
      const wu = tf.sum(tf.mul(tf.tensor2d(w, [n, d]), uHat), 1).dataSync();
      for (const v of wu) expect(v).toBeGreaterThan(-1 - 1e-5);
      const flow = new PlanarFlow({ kind: 'planar', length: 1 }, d);
      const params = new Float32Array(n * flow.headSize);
      for (let r = 0; r < n; r++) {
        params.set(u.subarray(r * d, (r + 1) * d), r * flow.headSize);
        params.set(w.subarray(r * d, (r + 1) * d), r * flow.headSize + d);
      }
      const { logDet } = flow.forward(
        tf.tensor2d(randoms(n * d, 9, 3), [n, d]),
        tf.tensor2d(params, [n, flow.headSize]),
      );
      expect(logDet.dataSync().every(Number.isFinite)).toBe(true);
    });
  });
});

describe('inverse autoregressive flow', () => {
  it('MADE masks let output j see inputs i < j only', () => {
    const hidden = 12;
    const { input, output } = madeMasks(d, hidden);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let paths = 0;
        for (let k = 0; k < hidden; k++) paths += input[i * hidden + k] * output[k * d + j];
        if (j <= i) expect(paths, `input ${i} → output ${j}`).toBe(0);
        else expect(paths, `input ${i} → output ${j}`).toBeGreaterThan(0);
      }
  });

  it('one step: a lower-triangular Jacobian whose diagonal gives the log-determinant', () => {
    const flow = new InverseAutoregressiveFlow({ kind: 'iaf', length: 1 }, d, 3);
    scramble(flow, 40, 0.4);
    const params = randoms(flow.headSize, 5);
    const z = Array.from(randoms(d, 6));
    const jac = jacobian(flow, z, params);
    for (let i = 0; i < d; i++)
      for (let j = i + 1; j < d; j++) expect(Math.abs(jac[i * d + j])).toBeLessThan(1e-4);
    const diagonal = Math.log(Math.abs(jac[0] * jac[4] * jac[8]));
    expect(logDetOf(flow, z, params)).toBeCloseTo(diagonal, 3);
    flow.dispose();
  });

  it('two steps (the second in reversed order): the log-determinant of the full Jacobian', () => {
    const flow = new InverseAutoregressiveFlow({ kind: 'iaf', length: 2 }, d, 4);
    scramble(flow, 50, 0.4);
    const params = randoms(flow.headSize, 11);
    const z = Array.from(randoms(d, 12));
    const jac = jacobian(flow, z, params);
    // Not triangular any more: the reversed step depends on later dimensions.
    expect(Math.abs(jac[1]) + Math.abs(jac[2]) + Math.abs(jac[5])).toBeGreaterThan(1e-3);
    // Central differences in float32 (tfjs has no float64): agreement to about 1e-3.
    expect(logDetOf(flow, z, params)).toBeCloseTo(Math.log(Math.abs(det3(jac))), 2);
    flow.dispose();
  });
});

describe('the flowed posterior', () => {
  it('log q_K(z_K) = log q_0(z_0) − log |det|, KL = log q_K − log p, known at its own samples only', () => {
    const geometry = new GaussianLatent({ kind: 'gaussian', dim: d });
    const vae = Vae.create(
      {
        inputShape: [4],
        latent: { kind: 'gaussian', dim: d },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'mlp', hidden: [8] },
        likelihood: 'gaussian',
        flow: { kind: 'planar', length: 2 },
      },
      1,
    );
    tf.tidy(() => {
      const n = 5;
      const head = tf.tensor2d(randoms(n * vae.headSize, 21, 0.5), [n, vae.headSize]);
      const posterior = vae.posterior(head);
      const z = posterior.sample(3);
      // The same draw by hand: the base sample, then the flow.
      const base = geometry.posterior(tf.slice(head, [0, 0], [-1, 2 * d]) as tf.Tensor2D);
      const z0 = base.sample(3);
      const { z: zK, logDet } = vae.flow!.forward(
        z0,
        tf.slice(head, [0, 2 * d], [-1, vae.flow!.headSize]) as tf.Tensor2D,
      );
      expect(Array.from(z.dataSync())).toEqual(Array.from(zK.dataSync()));
      const want = tf.sub(base.logProb(z0), logDet).dataSync();
      const got = posterior.logProb(z).dataSync();
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
      const kl = posterior.kl(z).dataSync();
      const prior = geometry.logPrior(z).dataSync();
      kl.forEach((v, i) => expect(v).toBeCloseTo(got[i] - prior[i], 5));
      expect(() => posterior.logProb(tf.zeros([n, d]) as tf.Tensor2D)).toThrow(
        /only at the samples it drew/,
      );
    });
    vae.dispose();
  });
});

describe('a VAE with a posterior flow', () => {
  let mnist: DatasetSplit;
  beforeAll(async () => {
    await initBackend();
    mnist = await openDataset('mnist', { limit: 256 });
  });

  for (const flow of [
    { kind: 'planar', length: 4 },
    { kind: 'iaf', length: 2 },
  ]) {
    it(`${flow.kind}:${flow.length} trains, evaluates (ELBO ≤ IWAE), saves, loads and resumes`, async () => {
      const config = {
        inputShape: [28, 28, 1],
        latent: { kind: 'gaussian', dim: 4 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'mlp' as const, hidden: [32] },
        likelihood: 'bernoulli' as const,
        flow,
      };
      const dir = mkdtempSync(path.join(tmpdir(), 'atlas-flow-'));
      const vae = Vae.create(config, 1);
      const trainer = new Trainer(vae, mnist, { epochs: 1, batchSize: 64, seed: 2 });
      expect((await trainer.run()).status).toBe('completed');
      const elbo = withElbo(await evaluate(vae, mnist.test)).elbo;
      const iwae = await importanceWeightedLogLikelihood(vae, mnist.test, { samples: 20 });
      expect(Number.isFinite(iwae)).toBe(true);
      expect(iwae).toBeGreaterThan(elbo - 1);

      // Coverage reads the flowed means (what the cloud shows), not the head's q_0 means.
      const x0 = mnist.test.batch([0, 1, 2, 3, 4]);
      const covered = await latentCoverage(vae, firstRows(mnist.test, 5));
      expect(Array.from(covered.means)).toEqual(Array.from(vae.encode(x0, 5)));
      expect(covered.klPerDimension).toBeNull();

      const target = path.join(dir, 'model');
      await saveCheckpoint(target, { vae, trainer });
      const loaded = await loadCheckpoint(target);
      expect(loaded.manifest.hasFlow).toBe(flow.kind === 'iaf');
      const x = mnist.test.batch([0, 1, 2]);
      expect(Array.from(loaded.vae.encode(x, 3))).toEqual(Array.from(vae.encode(x, 3)));

      await expectExactResume(config, mnist, target);
      trainer.dispose();
      vae.dispose();
      loaded.vae.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
  }

  it('trains and evaluates with every objective it allows (the rest refused, named)', async () => {
    const small = firstRows(mnist.train, 64);
    for (const objective of listObjectives().map((o) => o.kind)) {
      const config = {
        inputShape: [28, 28, 1],
        latent: { kind: 'gaussian', dim: 3 },
        objective: { kind: objective, weight: 1 },
        net: { kind: 'mlp' as const, hidden: [16] },
        likelihood: 'bernoulli' as const,
        flow: { kind: 'planar', length: 2 },
      };
      const reason = modelRefusal(ModelConfig.parse(config));
      if (objective === 'l2') {
        expect(reason).toMatch(/trains on q\(z\|x\)'s mean and never samples it/);
        continue;
      }
      expect(reason, objective).toBeUndefined();
      const vae = Vae.create(config, 1);
      const trainer = new Trainer(
        vae,
        { train: small, test: small, warnings: [] },
        { epochs: 1, batchSize: 32 },
      );
      const result = await trainer.run();
      expect(result.status, objective).toBe('completed');
      expect(Number.isFinite(withElbo(result.history[0].test).elbo), objective).toBe(true);
      trainer.dispose();
      vae.dispose();
    }
  });

  it('refuses a flow on the sphere, with a deterministic encoder, or with free bits', () => {
    const base = {
      inputShape: [4],
      latent: { kind: 'sphere', dim: 3 },
      objective: { kind: 'kl', weight: 1 },
      net: { kind: 'mlp' as const, hidden: [8] },
      likelihood: 'gaussian' as const,
      flow: { kind: 'planar', length: 1 },
    };
    expect(() => Vae.create(base)).toThrow(/would move z off the sphere/);
    expect(() =>
      Vae.create({
        ...base,
        latent: { kind: 'gaussian', dim: 3 },
        objective: { kind: 'mmd', weight: 1 },
        encoder: 'deterministic',
      }),
    ).toThrow(/no q\(z\|x\) for a flow/);
    expect(() =>
      Vae.create({
        ...base,
        latent: { kind: 'gaussian', dim: 3 },
        objective: { kind: 'kl', weight: 1, freeBits: 0.5 },
      }),
    ).toThrow(/free bits need a KL per latent dimension/);
    expect(() =>
      Vae.create({
        ...base,
        latent: { kind: 'gaussian', dim: 3 },
        objective: { kind: 'l2', weight: 1 },
      }),
    ).toThrow(/never samples it/);
  });
});
