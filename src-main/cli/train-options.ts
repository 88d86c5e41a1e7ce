import type { BackendName } from '../engine/backend';
import type { LatentConfig, ObjectiveKind } from '../shared/config';

/** The options of `latent-atlas train`, as commander parses them (commands/train.ts). */
export interface TrainOptions {
  data?: string;
  latentDim: number;
  latent: Pick<LatentConfig, 'kind' | 'components'>;
  objective: ObjectiveKind;
  balance?: number;
  invariance?: number;
  epochs: number;
  batch: number;
  lr: number;
  beta: number;
  warmup: number;
  freeBits: number;
  seed: number;
  limit?: number;
  size?: number;
  rgb?: boolean;
  net: 'mlp' | 'conv';
  hidden: number[];
  channels: number[];
  likelihood?: 'bernoulli' | 'gaussian';
  /** `--flow KIND:K`: a normalizing flow of K steps on q(z|x). */
  flow?: { kind: string; length: number };
  /** `deterministic`: one code per item, no q(z|x) (WAE); aggregate objectives only. */
  encoder: 'stochastic' | 'deterministic';
  binarize?: boolean;
  out: string;
  resume?: boolean;
  force?: boolean;
  resetOptimizer?: boolean;
  slim?: boolean;
  backend?: BackendName;
  json?: boolean;
  /** `--set KEY=VALUE` pairs: settings the chosen geometry or objective declares. */
  set: string[];
}
