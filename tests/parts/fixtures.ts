import { splitViews } from '../../src-main/engine/data/array-dataset';
import type { DatasetSource } from '../../src-main/engine/data/source';
import { GaussianLatent } from '../../src-main/engine/latent/gaussian';
import type { GeometryEntry } from '../../src-main/engine/latent/registry';
import { KlObjective } from '../../src-main/engine/objectives/kl';
import type { ObjectiveEntry } from '../../src-main/engine/objectives/registry';

// Parts as a new file would add them: each describes itself, and registering it is the one line
// its registry needs. The implementations borrow existing ones; what is tested is that nothing
// else has to change for the CLI, the contract and the training form to offer them.

/** Eight 5-D points, none of the user's files. */
export const fixtureDataset: DatasetSource = {
  scheme: 'fixture-points',
  argument: 'none',
  entries: [
    { spec: 'fixture-points', description: 'five-dimensional test points', itemShape: [5] },
  ],
  paths: () => [],
  async open({ spec, options }) {
    const data = Float32Array.from({ length: 8 * 5 }, (_, i) => i / 40);
    const store = { data, itemShape: [5], count: 8 };
    return splitViews('fixture-points', { spec, options }, store, {
      train: Int32Array.of(0, 1, 2, 3, 4, 5),
      test: Int32Array.of(6, 7),
    });
  },
};

/** A geometry with a setting of its own and an objective it refuses. */
export const fixtureGeometry: GeometryEntry = {
  descriptor: {
    kind: 'fixture-cube',
    label: 'Fixture cube',
    description: 'a test geometry',
    spherical: false,
    minDim: 3,
    coverage: { prior: 'gaussian' },
    parameters: [
      {
        key: 'components',
        label: 'Corners',
        description: 'corners to use',
        integer: true,
        min: 2,
        max: 8,
        default: 8,
      },
    ],
    refuses: { 'fixture-divergence': 'a cube has no divergence' },
  },
  create: (config, model) => new GaussianLatent(config, model?.logVarClamp),
};

export const fixtureObjective: ObjectiveEntry = {
  descriptor: {
    kind: 'fixture-divergence',
    label: 'Fixture divergence',
    description: 'a test objective',
    weight: 'λ',
    parameters: [],
  },
  create: (config) => new KlObjective(config),
};
