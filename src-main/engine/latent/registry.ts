import type { LatentConfig, ModelConfig } from '../../shared/config';
import type { GeometryDescriptor } from '../../shared/parts';
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
const GEOMETRIES: GeometryEntry[] = [
  { descriptor: gaussianDescriptor, create: (c, m) => new GaussianLatent(c, m?.logVarClamp) },
  { descriptor: vmfDescriptor, create: (c) => new VmfLatent(c) },
  { descriptor: powerSphericalDescriptor, create: (c) => new PowerSphericalLatent(c) },
  { descriptor: mixtureDescriptor, create: (c, m) => new MixtureLatent(c, m?.logVarClamp) },
];

/**
 * Adds a geometry at run time (a test's fixture, a plug-in); the CLI, the contract's listing and
 * the training form see it. Returns the function that removes it again.
 */
export function registerGeometry(entry: GeometryEntry): () => void {
  if (GEOMETRIES.some((g) => g.descriptor.kind === entry.descriptor.kind))
    throw new Error(`a latent geometry "${entry.descriptor.kind}" is registered already`);
  GEOMETRIES.push(entry);
  return () => void GEOMETRIES.splice(GEOMETRIES.indexOf(entry), 1);
}

export function listGeometries(): GeometryDescriptor[] {
  return GEOMETRIES.map((g) => g.descriptor);
}

/** The descriptor of `kind`; throws, naming the known ones, for a kind nobody registered. */
export function geometryDescriptor(kind: string): GeometryDescriptor {
  return entryOf(kind).descriptor;
}

export function createGeometry(
  config: LatentConfig,
  model?: Pick<ModelConfig, 'logVarClamp'>,
): LatentGeometry {
  return entryOf(config.kind).create(config, model);
}

function entryOf(kind: string): GeometryEntry {
  const entry = GEOMETRIES.find((g) => g.descriptor.kind === kind);
  if (!entry)
    throw new Error(
      `unknown latent geometry "${kind}"; known: ${GEOMETRIES.map((g) => g.descriptor.kind).join(', ')}`,
    );
  return entry;
}
