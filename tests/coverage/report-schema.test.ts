import { beforeAll, describe, expect, it } from 'vitest';
import { CoverageReport } from '../../src-main/api/records';
import { parseResult } from '../../src-main/api/validate';
import { initBackend } from '../../src-main/engine/backend';
import type { ModelConfigInput } from '../../src-main/shared/config';
import { Random } from '../../src-main/engine/coverage/random';
import { coverageReport, type CoverageOptions } from '../../src-main/engine/coverage/report';
import type { Dataset, DatasetSplit } from '../../src-main/engine/data/dataset';
import { latentCoverage } from '../../src-main/engine/evaluation/latent-coverage';
import { Vae } from '../../src-main/engine/model/model';
import { coverageOf } from '../../src-main/host/inference/coverage';
import { fixtureReport } from './report-fixture';

/**
 * The contract's schema is strict at every level, so parsing a real report fails on any field the
 * engine emits that the schema does not describe, and on any it describes that the engine leaves
 * out. Each case here is a shape the engine really produces.
 */
const quick = {
  holes: { priorSamples: 300, queries: 200 },
  mmd: { subsample: 200, permutations: 50 },
};

function strictlyParses(report: unknown): void {
  const result = CoverageReport.safeParse(report);
  expect(result.success ? [] : result.error.issues).toEqual([]);
  // Nothing is stripped on the way: the parsed report is the report.
  expect(result.data).toEqual(report);
}

function engineReport(n: number, d: number, options: Partial<CoverageOptions>, seed = 1) {
  const random = new Random(seed);
  const z = options.prior === 'sphere' ? random.unitVectors(n, d) : random.normalMatrix(n, d);
  return coverageReport(z, n, d, { prior: 'gaussian', seed: 2, ...quick, ...options });
}

describe('the coverage report schema, against real engine reports', () => {
  it('a Gaussian report with the encoder posterior (KL per dimension)', () => {
    const n = 400;
    const d = 3;
    const random = new Random(3);
    const means = random.normalMatrix(n, d);
    const logVariances = new Float64Array(n * d).fill(-1);
    const report = coverageReport(means, n, d, {
      prior: 'gaussian',
      ...quick,
      posterior: { means, logVariances },
    });
    expect(report.dimensions[0].kl).toEqual(expect.any(Number));
    expect(report.active_units_source).toBe('posterior-means');
    strictlyParses(report);
  });

  it('a Gaussian report from latents alone, with non-finite rows dropped', () => {
    const random = new Random(4);
    const z = random.normalMatrix(300, 4);
    z[5] = NaN;
    const report = coverageReport(z, 300, 4, { prior: 'gaussian', ...quick });
    expect(report.dimensions[0]).not.toHaveProperty('kl');
    expect(report.warnings).not.toEqual([]);
    strictlyParses(report);
  });

  it('a sphere report, and the sphere with d = 1 (uniformity undefined)', () => {
    const sphere = engineReport(400, 4, { prior: 'sphere' });
    expect(sphere.sphere).toHaveProperty('rayleigh');
    expect(sphere.plots).not.toHaveProperty('radius');
    strictlyParses(sphere);
    const line = engineReport(200, 1, { prior: 'sphere' });
    expect(line.sphere).toMatchObject({ reason: expect.any(String) });
    strictlyParses(line);
  });

  it('Mardia undefined (n ≤ d), skewness over budget, and the hole search disabled', () => {
    strictlyParses(engineReport(5, 6, {}));
    const expensive = engineReport(300, 4, { mardia: { maxWork: 1 } });
    expect(expensive.mardia.skewness).toBeNull();
    expect(expensive.mardia.kurtosis).not.toBeNull();
    strictlyParses(expensive);
    const noHoles = engineReport(300, 3, { holes: { enabled: false } });
    expect(noHoles.holes).toMatchObject({ reason: 'disabled' });
    expect(noHoles.plots).not.toHaveProperty('holes');
    strictlyParses(noHoles);
  });

  it('refuses a field the engine does not emit, and a missing one', () => {
    const report = engineReport(300, 3, {});
    expect(CoverageReport.safeParse({ ...report, extra: 1 }).success).toBe(false);
    expect(
      CoverageReport.safeParse({ ...report, mmd: { ...report.mmd, statistic: 1 } }).success,
    ).toBe(false);
    const { plots: _, ...withoutPlots } = report;
    expect(CoverageReport.safeParse(withoutPlots).success).toBe(false);
  });

  it('the test fixture is a report the engine could send', () => {
    strictlyParses(fixtureReport('gaussian', 4));
    strictlyParses(fixtureReport('sphere', 3));
  });
});

describe('the reports the host and `eval` send, through the contract', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu' });
  });

  /** A small random point set: the models are untrained, the report's shape is what counts. */
  function points(count: number, seed: number): Dataset {
    const random = new Random(seed);
    const data = Float32Array.from(random.normalMatrix(count, 6), (v) => 1 / (1 + Math.exp(-v)));
    return {
      name: 'points',
      descriptor: { spec: 'toy:points', options: {} },
      itemShape: [6],
      count,
      labels: Int32Array.from({ length: count }, (_, i) => i % 3),
      batch: (indices) => {
        const out = new Float32Array(indices.length * 6);
        for (let r = 0; r < indices.length; r++)
          out.set(data.subarray(indices[r] * 6, indices[r] * 6 + 6), r * 6);
        return out;
      },
    };
  }

  const latents: ModelConfigInput['latent'][] = [
    { kind: 'gaussian', dim: 3 },
    { kind: 'sphere', dim: 3 },
    { kind: 'mixture', dim: 3, components: 3 },
  ];

  it.each(latents)('a $kind model', async (latent) => {
    const vae = Vae.create(
      {
        inputShape: [6],
        latent,
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'mlp', hidden: [16] },
        likelihood: 'bernoulli',
      },
      1,
    );
    try {
      const split: DatasetSplit = { train: points(200, 1), test: points(150, 2), warnings: [] };
      const reply = await coverageOf(vae, split, 150, 0);
      // The host's reply passes the contract as the supervisor checks it, unchanged.
      expect(parseResult('coverage', reply)).toEqual(reply);
      strictlyParses(reply.report);
      expect(reply.report.prior).toBe(latent.kind === 'sphere' ? 'sphere' : 'gaussian');
      if (latent.kind === 'mixture')
        expect(reply.report.warnings.join(' ')).toMatch(/Gaussian mixture/);
      // `eval`'s report compares with the same prior as the host's, with the same caveat (the
      // geometry's one answer: they used to disagree about the mixture).
      const evaluated = await latentCoverage(vae, split.test);
      strictlyParses(evaluated.coverage);
      expect(evaluated.coverage!.prior).toBe(reply.report.prior);
      if (latent.kind === 'mixture')
        expect(evaluated.coverage!.warnings.join(' ')).toMatch(/Gaussian mixture/);
    } finally {
      vae.dispose();
    }
  });
});
