import type { LatentConfig, ModelConfig } from '../../shared/config';
import type { LatentGeometry } from './geometry';
import { GaussianLatent } from './gaussian';
import { MixtureLatent } from './mixture';
import { PowerSphericalLatent } from './power-spherical';
import { VmfLatent } from './vmf';

/** One line per geometry. */
export function createGeometry(
  config: LatentConfig,
  model?: Pick<ModelConfig, 'logVarClamp'>,
): LatentGeometry {
  switch (config.kind) {
    case 'gaussian':
      return new GaussianLatent(config, model?.logVarClamp);
    case 'sphere':
      return new VmfLatent(config);
    case 'power-sphere':
      return new PowerSphericalLatent(config);
    case 'mixture':
      return new MixtureLatent(config, model?.logVarClamp);
  }
}
