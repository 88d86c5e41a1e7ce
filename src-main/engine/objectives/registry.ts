import type { ObjectiveConfig } from '../../shared/config';
import { refusal, type ObjectiveDescriptor } from '../../shared/parts';
import { geometryDescriptor } from '../latent/registry';
import type { Objective } from './objective';
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
const OBJECTIVES: ObjectiveEntry[] = [
  { descriptor: klDescriptor, create: (c) => new KlObjective(c) },
  { descriptor: mmdDescriptor, create: (c) => new MmdObjective(c) },
  { descriptor: swdDescriptor, create: (c) => new SlicedWassersteinObjective(c) },
  { descriptor: cramerWoldDescriptor, create: (c) => new CramerWoldObjective(c) },
  { descriptor: l2Descriptor, create: (c) => new L2Objective(c) },
];

/** Adds an objective at run time (a test's fixture, a plug-in); returns its removal. */
export function registerObjective(entry: ObjectiveEntry): () => void {
  if (OBJECTIVES.some((o) => o.descriptor.kind === entry.descriptor.kind))
    throw new Error(`an objective "${entry.descriptor.kind}" is registered already`);
  OBJECTIVES.push(entry);
  return () => void OBJECTIVES.splice(OBJECTIVES.indexOf(entry), 1);
}

export function listObjectives(): ObjectiveDescriptor[] {
  return OBJECTIVES.map((o) => o.descriptor);
}

/** The descriptor of `kind`; throws, naming the known ones, for a kind nobody registered. */
export function objectiveDescriptor(kind: string): ObjectiveDescriptor {
  return entryOf(kind).descriptor;
}

export function createObjective(config: ObjectiveConfig): Objective {
  return entryOf(config.kind).create(config);
}

function entryOf(kind: string): ObjectiveEntry {
  const entry = OBJECTIVES.find((o) => o.descriptor.kind === kind);
  if (!entry)
    throw new Error(
      `unknown objective "${kind}"; known: ${OBJECTIVES.map((o) => o.descriptor.kind).join(', ')}`,
    );
  return entry;
}

/**
 * Why a latent geometry and an objective make no sense together, or undefined when they do: each
 * geometry names the objectives it refuses, with the reason (engine/latent/*.ts).
 *
 * KL is closed form for the Gaussian, vMF and Power Spherical latents and a closed-form upper
 * bound for the mixture; MMD, sliced Wasserstein and Cramér-Wold compare the encoded batch with
 * draws from the geometry's own prior (Cramér-Wold in closed form against N(0, I)), which every
 * geometry can provide. L2 (RAE) penalises ‖z‖², meaningless on a sphere and silent for a learnt
 * mixture.
 */
export function incompatibility(latent: string, objective: string): string | undefined {
  return refusal(geometryDescriptor(latent), objective);
}
