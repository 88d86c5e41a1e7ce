import type { FlowConfig } from '../../shared/config';
import type { FlowDescriptor } from '../../shared/parts';
import { Registry } from '../registry';
import type { PosteriorFlow } from './flow';
import { InverseAutoregressiveFlow, iafDescriptor } from './iaf';
import { PlanarFlow, planarDescriptor } from './planar';

/** A posterior flow: what it says about itself, and how to build one for latent dimension d. */
export interface FlowEntry {
  descriptor: FlowDescriptor;
  create(config: FlowConfig, d: number, seed: number): PosteriorFlow;
}

/** One line per flow; a new one is a file exporting its class and descriptor, plus a line. */
const FLOWS = new Registry<FlowEntry>('posterior flow', 'a', (f) => f.descriptor.kind, [
  { descriptor: planarDescriptor, create: (c, d) => new PlanarFlow(c, d) },
  { descriptor: iafDescriptor, create: (c, d, seed) => new InverseAutoregressiveFlow(c, d, seed) },
]);

/** Adds a flow at run time (a test's fixture, a plug-in); returns its removal. */
export function registerFlow(entry: FlowEntry): () => void {
  return FLOWS.register(entry);
}

export function listFlows(): FlowDescriptor[] {
  return FLOWS.list().map((f) => f.descriptor);
}

/** The descriptor of `kind`; throws, naming the known ones, for a kind nobody registered. */
export function flowDescriptor(kind: string): FlowDescriptor {
  return FLOWS.get(kind).descriptor;
}

export function createFlow(config: FlowConfig, d: number, seed = 0): PosteriorFlow {
  return FLOWS.get(config.kind).create(config, d, seed);
}
