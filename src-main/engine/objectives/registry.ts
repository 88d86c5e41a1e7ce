import type { ObjectiveConfig } from '../../shared/config';
import {
  encoderRefusal,
  refusal,
  type EncoderKind,
  type ObjectiveDescriptor,
} from '../../shared/parts';
import { geometryDescriptor } from '../latent/registry';
import { Registry } from '../registry';
import type { Objective } from './objective';
import { CdfObjective, cdfDescriptor } from './cdf';
import { CramerWoldObjective, cramerWoldDescriptor } from './cramer-wold';
import { KlObjective, klDescriptor } from './kl';
import { L2Objective, l2Descriptor } from './l2';
import { MmdObjective, mmdDescriptor } from './mmd';
import { SlicedWassersteinObjective, swdDescriptor } from './swd';

/** An objective: what it says about itself, and how to build one from a config. */
export interface ObjectiveEntry {
  descriptor: ObjectiveDescriptor;
  create(config: ObjectiveConfig): Objective;
}

/** One line per objective; a new one is a file exporting its class and descriptor, plus a line. */
const OBJECTIVES = new Registry<ObjectiveEntry>('objective', 'an', (o) => o.descriptor.kind, [
  { descriptor: klDescriptor, create: (c) => new KlObjective(c) },
  { descriptor: mmdDescriptor, create: (c) => new MmdObjective(c) },
  { descriptor: swdDescriptor, create: (c) => new SlicedWassersteinObjective(c) },
  { descriptor: cramerWoldDescriptor, create: (c) => new CramerWoldObjective(c) },
  { descriptor: l2Descriptor, create: (c) => new L2Objective(c) },
  { descriptor: cdfDescriptor, create: (c) => new CdfObjective(c) },
]);

/** Adds an objective at run time (a test's fixture, a plug-in); returns its removal. */
export function registerObjective(entry: ObjectiveEntry): () => void {
  return OBJECTIVES.register(entry);
}

export function listObjectives(): ObjectiveDescriptor[] {
  return OBJECTIVES.list().map((o) => o.descriptor);
}

/** The descriptor of `kind`; throws, naming the known ones, for a kind nobody registered. */
export function objectiveDescriptor(kind: string): ObjectiveDescriptor {
  return OBJECTIVES.get(kind).descriptor;
}

export function createObjective(config: ObjectiveConfig): Objective {
  return OBJECTIVES.get(config.kind).create(config);
}

/**
 * Why a latent geometry, an objective and an encoder kind make no sense together, or undefined
 * when they do: each geometry names the objectives it refuses, with the reason
 * (engine/latent/*.ts), an objective the geometries it is limited to, and a deterministic encoder
 * refuses what needs the density q(z|x) (shared/parts.ts encoderRefusal).
 *
 * KL is closed form for the Gaussian, vMF and Power Spherical latents and a closed-form upper
 * bound for the mixture; MMD, sliced Wasserstein and Cramér-Wold compare the encoded batch with
 * draws from the geometry's own prior (Cramér-Wold in closed form against N(0, I)), which every
 * geometry can provide. L2 (RAE) penalises ‖z‖², meaningless on a sphere and silent for a learnt
 * mixture.
 */
export function incompatibility(
  latent: string,
  objective: string,
  encoder: EncoderKind = 'stochastic',
): string | undefined {
  const geometry = geometryDescriptor(latent);
  const descriptor = objectiveDescriptor(objective);
  return refusal(geometry, descriptor) ?? encoderRefusal(encoder, geometry, descriptor);
}
