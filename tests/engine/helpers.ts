import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelConfigInput } from '../../src-main/shared/config';

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'atlas-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** The reference MLP on MNIST-sized images, small enough for tests. */
export function mnistConfig(overrides: Partial<ModelConfigInput> = {}): ModelConfigInput {
  return {
    inputShape: [28, 28, 1],
    latent: { kind: 'gaussian', dim: 4 },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'mlp', hidden: [128] },
    likelihood: 'bernoulli',
    ...overrides,
  };
}
