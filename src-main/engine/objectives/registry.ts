import type { LatentKind, ObjectiveConfig } from '../config';
import type { Objective } from './objective';
import { KlObjective } from './kl';

/** One line per objective. */
export function createObjective(config: ObjectiveConfig): Objective {
  switch (config.kind) {
    case 'kl':
      return new KlObjective(config);
    default:
      throw new Error(`objective "${config.kind}" is not available yet`);
  }
}

/** Why a latent geometry and an objective make no sense together, or undefined when they do. */
export function incompatibility(latent: LatentKind, objective: ObjectiveConfig['kind']): string | undefined {
  void latent;
  void objective;
  return undefined;
}
