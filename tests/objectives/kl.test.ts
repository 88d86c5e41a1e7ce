import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { ObjectiveConfig } from '../../src-main/shared/config';
import { createGeometry } from '../../src-main/engine/latent/registry';
import { KlObjective } from '../../src-main/engine/objectives/kl';
import { L2Objective } from '../../src-main/engine/objectives/l2';
import type { Objective } from '../../src-main/engine/objectives/objective';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const geometry = createGeometry({ kind: 'gaussian', dim: 2 });
/** Two rows: dimension 0 carries KL, dimension 1 sits on the prior (KL 0). */
const head = () =>
  tf.tensor2d([
    [2, 0, 0, 0],
    [0, 0, 0, 0],
  ]);

/** The objective's penalty at the posterior mean of `head()`, step 0 (call inside tf.tidy). */
const penaltyAtMean = (objective: Objective) => {
  const posterior = geometry.posterior(head());
  return objective.penalty({ geometry, posterior, z: posterior.mean, step: 0, seed: 1 });
};

describe('KL objective (β, warm-up, free bits)', () => {
  it('weights the closed-form KL by β, ramped linearly over the warm-up', () => {
    const objective = new KlObjective(
      ObjectiveConfig.parse({ kind: 'kl', weight: 4, warmupSteps: 100 }),
    );
    tf.tidy(() => {
      const posterior = geometry.posterior(head());
      const z = posterior.sample(1);
      const at = (step: number) => objective.penalty({ geometry, posterior, z, step, seed: 1 });
      // KL per row: ½·2² = 2 and 0, batch mean 1.
      expect(at(0).divergence.dataSync()[0]).toBeCloseTo(1, 6);
      expect(at(0).weighted.dataSync()[0]).toBe(0);
      expect(at(25).weighted.dataSync()[0]).toBeCloseTo(1, 6);
      expect(at(100).weighted.dataSync()[0]).toBeCloseTo(4, 6);
      expect(at(500).weighted.dataSync()[0]).toBeCloseTo(4, 6);
    });
  });

  it('free bits charge max(λ, KL_j) per dimension of the batch-mean KL', () => {
    const objective = new KlObjective(
      ObjectiveConfig.parse({ kind: 'kl', weight: 1, freeBits: 0.5 }),
    );
    tf.tidy(() => {
      const { weighted, divergence } = penaltyAtMean(objective);
      // Batch-mean KL per dimension: [1, 0] → charged max(1, 0.5) + max(0, 0.5) = 1.5.
      expect(weighted.dataSync()[0]).toBeCloseTo(1.5, 6);
      expect(divergence.dataSync()[0]).toBeCloseTo(1, 6);
    });
  });

  it('L2/RAE: deterministic, β·mean ‖z‖²', () => {
    const objective = new L2Objective(ObjectiveConfig.parse({ kind: 'l2', weight: 0.5 }));
    expect(objective.deterministic).toBe(true);
    tf.tidy(() => {
      const { weighted, divergence } = penaltyAtMean(objective);
      expect(divergence.dataSync()[0]).toBeCloseTo(2, 6); // (4 + 0)/2
      expect(weighted.dataSync()[0]).toBeCloseTo(1, 6);
    });
  });
});
