import type { LatentConfig, ModelConfig } from '../../shared/config';
import type { GeometryDescriptor } from '../../shared/parts';
import { Registry } from '../registry';
import type { LatentGeometry } from './geometry';
import { GaussianLatent, gaussianDescriptor } from './gaussian';
import { MixtureLatent, mixtureDescriptor } from './mixture';
import { PowerSphericalLatent, powerSphericalDescriptor } from './power-spherical';
import { VmfLatent, vmfDescriptor } from './vmf';

/** A latent geometry: what it says about itself, and how to build one from a config. */
export interface GeometryEntry {
  descriptor: GeometryDescriptor;
  create(config: LatentConfig, model?: Pick<ModelConfig, 'logVarClamp'>): LatentGeometry;
}

/** One line per geometry; a new one is a file exporting its class and descriptor, plus a line. */
const GEOMETRIES = new Registry<GeometryEntry>('latent geometry', 'a', (g) => g.descriptor.kind, [
  { descriptor: gaussianDescriptor, create: (c, m) => new GaussianLatent(c, m?.logVarClamp) },
  { descriptor: vmfDescriptor, create: (c) => new VmfLatent(c) },
  { descriptor: powerSphericalDescriptor, create: (c) => new PowerSphericalLatent(c) },
  { descriptor: mixtureDescriptor, create: (c, m) => new MixtureLatent(c, m?.logVarClamp) },
]);

/**
 * Adds a geometry at run time (a test's fixture, a plug-in); the CLI, the contract's listing and
 * the training form see it. Returns the function that removes it again.
 */
export function registerGeometry(entry: GeometryEntry): () => void {
  return GEOMETRIES.register(entry);
}

export function listGeometries(): GeometryDescriptor[] {
  return GEOMETRIES.list().map((g) => g.descriptor);
}

/** The descriptor of `kind`; throws, naming the known ones, for a kind nobody registered. */
export function geometryDescriptor(kind: string): GeometryDescriptor {
  return GEOMETRIES.get(kind).descriptor;
}

export function createGeometry(
  config: LatentConfig,
  model?: Pick<ModelConfig, 'logVarClamp'>,
): LatentGeometry {
  return GEOMETRIES.get(config.kind).create(config, model);
}
