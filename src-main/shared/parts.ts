import { z } from 'zod';

/**
 * How a latent geometry or an objective describes itself: to the CLI (options and help), the
 * contract (`listModelParts`), the training form, coverage and the sphere view. Each part declares
 * its descriptor in its own file (engine/latent/*.ts, engine/objectives/*.ts) and the registries
 * list them, so nothing else switches on a part's name.
 */

/** A part's name as configs and checkpoints store it: `gaussian`, `power-sphere`, `swd`. */
export const PartKind = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name like "sphere"');

/** One numeric setting of a part, stored under `key` in its config. */
export const PartParameter = z.object({
  key: z.string(),
  label: z.string(),
  description: z.string(),
  integer: z.boolean(),
  min: z.number(),
  max: z.number(),
  default: z.number(),
});
export type PartParameter = z.infer<typeof PartParameter>;

export const GeometryDescriptor = z.object({
  kind: PartKind,
  label: z.string(),
  /** One line: the prior and the posterior. */
  description: z.string(),
  /** The codes lie on the unit sphere S^(d−1): the sphere view applies, `dim` is ambient. */
  spherical: z.boolean(),
  /** The smallest latent dimension it supports (2 for a sphere: S¹ is the smallest). */
  minDim: z.number().int().min(1),
  /**
   * What coverage tests the encoded means against, N(0, I) or the uniform distribution on the
   * sphere, and what to keep in mind reading it where that is not the model's own prior.
   */
  coverage: z.object({ prior: z.enum(['gaussian', 'sphere']), caveat: z.string().optional() }),
  /** Settings beyond `dim` (the mixture's K, its balance and invariance weights). */
  parameters: z.array(PartParameter),
  /** Objectives that make no sense with it, each with the reason. */
  refuses: z.record(z.string(), z.string()),
  /** Why a deterministic encoder (one code per item, no q(z|x)) makes no sense with it, if so. */
  pointEncoder: z.string().optional(),
  /** Why a flow on the posterior (which acts on ℝ^d) makes no sense with it, if so. */
  refusesFlow: z.string().optional(),
});
export type GeometryDescriptor = z.infer<typeof GeometryDescriptor>;

export const ObjectiveDescriptor = z.object({
  kind: PartKind,
  label: z.string(),
  description: z.string(),
  /** What the objective's `weight` is (β for KL, λ for the others). */
  weight: z.string(),
  parameters: z.array(PartParameter),
  /**
   * The geometries it works with, where it needs something only some priors have (a radius law
   * in closed form), and why; absent: every geometry that does not refuse it.
   */
  geometries: z.object({ only: z.array(PartKind), reason: z.string() }).optional(),
  /** It needs the density q(z|x) (KL), which a deterministic encoder does not have. */
  density: z.boolean().optional(),
  /** The decoder sees q(z|x)'s mean, never a sample (RAE): a posterior flow has nothing to do. */
  meanOnly: z.boolean().optional(),
});
export type ObjectiveDescriptor = z.infer<typeof ObjectiveDescriptor>;

/** A normalizing flow on the posterior (engine/flows/*.ts). */
export const FlowDescriptor = z.object({
  kind: PartKind,
  label: z.string(),
  description: z.string(),
});
export type FlowDescriptor = z.infer<typeof FlowDescriptor>;

export const ModelParts = z.object({
  geometries: z.array(GeometryDescriptor),
  objectives: z.array(ObjectiveDescriptor),
  flows: z.array(FlowDescriptor).default([]),
});
export type ModelParts = z.infer<typeof ModelParts>;

/**
 * Why `objective` makes no sense with `geometry`, or undefined when it does: the geometry's own
 * refusals, then the geometries the objective is limited to.
 */
export function refusal(
  geometry: GeometryDescriptor,
  objective: ObjectiveDescriptor | string,
): string | undefined {
  const kind = typeof objective === 'string' ? objective : objective.kind;
  if (Object.hasOwn(geometry.refuses, kind)) return geometry.refuses[kind];
  const only = typeof objective === 'string' ? undefined : objective.geometries;
  if (only && !only.only.includes(geometry.kind))
    return `--objective ${kind} works with the ${only.only.join(', ')} latents: ${only.reason}.`;
  return undefined;
}

/** The encoder kinds a model can have (config `encoder`). */
export type EncoderKind = 'stochastic' | 'deterministic';

/**
 * Why a deterministic encoder makes no sense with `geometry` and `objective`, or undefined: a
 * point per item has no density q(z|x), so KL (and the geometry terms built on it) are undefined.
 */
export function encoderRefusal(
  encoder: EncoderKind,
  geometry: GeometryDescriptor,
  objective: ObjectiveDescriptor,
): string | undefined {
  if (encoder !== 'deterministic') return undefined;
  if (objective.density)
    return `a deterministic encoder gives one code per item and no density q(z|x), so --objective ${objective.kind} (KL(q ‖ p)) is undefined; use an objective that compares the whole encoded sample with the prior: mmd, swd, cw, cdf or l2.`;
  if (geometry.pointEncoder) return geometry.pointEncoder;
  return undefined;
}

/**
 * Why a flow on the posterior makes no sense with this model, or undefined: a flow acts on ℝ^d
 * and needs a density q(z|x) to push forward, and its KL is estimated, not split by dimension.
 */
export function flowRefusal(
  flow: string,
  geometry: GeometryDescriptor,
  objective: ObjectiveDescriptor,
  encoder: EncoderKind,
  freeBits = 0,
): string | undefined {
  if (encoder === 'deterministic')
    return `--flow ${flow}: a deterministic encoder has no q(z|x) for a flow to transform`;
  if (objective.meanOnly)
    return `--flow ${flow}: --objective ${objective.kind} trains on q(z|x)'s mean and never samples it, so a flow on q(z|x) would change nothing`;
  if (geometry.refusesFlow) return `--flow ${flow}: ${geometry.refusesFlow}`;
  if (freeBits > 0)
    return `--flow ${flow}: free bits need a KL per latent dimension, and a flowed posterior does not factorise over dimensions (use --free-bits 0)`;
  return undefined;
}
