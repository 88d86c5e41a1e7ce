import type { ModelConfig } from '../../shared/config';
import { flowRefusal } from '../../shared/parts';
import { geometryDescriptor } from '../latent/registry';
import { incompatibility, objectiveDescriptor } from '../objectives/registry';

/**
 * Why a model config makes no sense, or undefined: its geometry, objective and encoder kind
 * (objectives/registry.ts `incompatibility`), then its posterior flow (shared/parts.ts
 * `flowRefusal`). The CLI asks before any data loads; `Vae.create` refuses the same.
 */
export function modelRefusal(
  config: Pick<ModelConfig, 'latent' | 'objective' | 'encoder' | 'flow'>,
): string | undefined {
  return (
    incompatibility(config.latent.kind, config.objective.kind, config.encoder) ??
    (config.flow &&
      flowRefusal(
        config.flow.kind,
        geometryDescriptor(config.latent.kind),
        objectiveDescriptor(config.objective.kind),
        config.encoder,
        config.objective.freeBits,
      ))
  );
}
