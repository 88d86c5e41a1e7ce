import type { LatentConfig, ModelConfig } from '../config';
import type { LatentGeometry } from './geometry';
import { GaussianLatent } from './gaussian';

/** One line per geometry. */
export function createGeometry(config: LatentConfig, model?: Pick<ModelConfig, 'logVarClamp'>): LatentGeometry {
  switch (config.kind) {
    case 'gaussian':
      return new GaussianLatent(config, model?.logVarClamp);
    default:
      throw new Error(`latent geometry "${config.kind}" is not available yet`);
  }
}
