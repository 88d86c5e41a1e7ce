import { z } from 'zod';
import { PartKind } from './parts';

/**
 * The model's architecture and training objective, stored in every checkpoint's manifest and
 * validated whenever one is read. A latent geometry or objective is named by its registered kind
 * (engine/latent/registry.ts, engine/objectives/registry.ts), which the engine checks when it
 * builds the model: a new one adds nothing here unless it brings a setting of its own.
 */
export const LatentKind = PartKind;
export type LatentKind = z.infer<typeof LatentKind>;

export const ObjectiveKind = PartKind;
export type ObjectiveKind = z.infer<typeof ObjectiveKind>;

export const LatentConfig = z.object({
  kind: LatentKind,
  /** Latent dimension; for sphere latents the ambient dimension d of S^{d-1} (d ≥ 2). */
  dim: z.number().int().min(1).max(1024),
  /** Mixture components (mixture prior only). */
  components: z.number().int().min(1).max(256).optional(),
  /**
   * Mixture prior only: weight of the anti-collapse regulariser λ·(log K − I(x; c)), the mutual
   * information between an item and its component estimated on the batch (latent/mixture.ts).
   */
  balance: z.number().min(0).max(1e4).optional(),
  /**
   * Mixture prior on images only: weight of the consistency term KL(q(c|x) ‖ q(c|T(x))) between the
   * component responsibilities of an image and of a random distortion of it (latent/mixture.ts).
   */
  invariance: z.number().min(0).max(1e4).optional(),
});
export type LatentConfig = z.infer<typeof LatentConfig>;

export const ObjectiveConfig = z.object({
  kind: ObjectiveKind,
  /** β for KL, λ for MMD/SWD/CW/L2. */
  weight: z.number().min(0).max(1e6),
  /** Linear KL warm-up from 0 to `weight` over this many steps (0 = none). */
  warmupSteps: z.number().int().min(0).default(0),
  /** Free bits: nats of KL per latent dimension that cost nothing (Kingma et al. 2016). */
  freeBits: z.number().min(0).default(0),
  /** Random projections for sliced Wasserstein (default 50). */
  projections: z.number().int().min(1).max(10_000).optional(),
  /** MMD kernel: inverse multiquadric C/(C + ‖x − y‖²) (WAE) or Gaussian exp(−‖x − y‖²/C). */
  kernel: z.enum(['imq', 'rbf']).optional(),
  /** Sliced Wasserstein: the p of |Δ|^p (default 2). */
  power: z.number().min(1).max(8).optional(),
  /** L2/RAE: components of the Gaussian mixture fitted to the codes after training (default 10). */
  gmmComponents: z.number().int().min(1).max(256).optional(),
  /** L2/RAE: covariance of the fitted mixture; default full for d ≤ 32, else diagonal. */
  gmmCovariance: z.enum(['full', 'diag']).optional(),
});
export type ObjectiveConfig = z.infer<typeof ObjectiveConfig>;

export const NetConfig = z.object({
  kind: z.enum(['mlp', 'conv']),
  /** MLP hidden widths (encoder order; the decoder mirrors them). */
  hidden: z.array(z.number().int().min(1).max(16384)).default([512]),
  /** Conv channels per stride-2 stage (encoder order; the decoder mirrors them). */
  channels: z.array(z.number().int().min(1).max(1024)).default([32, 64]),
  /** Dense width between the conv stack and the latent head. */
  convDense: z.number().int().min(1).max(16384).default(256),
});
export type NetConfig = z.infer<typeof NetConfig>;

export const Likelihood = z.enum(['bernoulli', 'gaussian']);
export type Likelihood = z.infer<typeof Likelihood>;

/** A normalizing flow on the posterior: which (a registered kind) and how many steps K. */
export const FlowConfig = z.object({
  kind: PartKind,
  length: z.number().int().min(1).max(64),
});
export type FlowConfig = z.infer<typeof FlowConfig>;

export const ModelConfig = z.object({
  /** Shape of one input item: [h, w, c] for images, [d] for point sets. */
  inputShape: z.array(z.number().int().min(1)).min(1).max(3),
  latent: LatentConfig,
  objective: ObjectiveConfig,
  net: NetConfig,
  likelihood: Likelihood,
  /**
   * `stochastic`: the encoder gives q(z|x) (the geometry's head: mean and spread), a VAE.
   * `deterministic`: it gives one code per item, no per-item noise (WAE, Tolstikhin et al. 2018):
   * only objectives that compare the whole sample with the prior apply, and there is no ELBO.
   */
  encoder: z.enum(['stochastic', 'deterministic']).default('stochastic'),
  /** A flow on q(z|x) (planar, IAF): the decoder and the cloud see the flowed z_K. */
  flow: FlowConfig.optional(),
  /** Fixed observation standard deviation for the Gaussian likelihood. */
  gaussianSigma: z.number().positive().default(0.1),
  /** Encoder log-variance is clamped to this range to keep exp() finite. */
  logVarClamp: z.tuple([z.number(), z.number()]).default([-10, 10]),
});
export type ModelConfig = z.infer<typeof ModelConfig>;
export type ModelConfigInput = z.input<typeof ModelConfig>;

export const TrainConfig = z.object({
  epochs: z.number().int().min(1).max(100_000),
  batchSize: z.number().int().min(1).max(65_536).default(128),
  learningRate: z.number().positive().max(10).default(1e-3),
  seed: z.number().int().min(0).default(0),
  /** Binarise each batch afresh with pixel intensities as probabilities (dynamic binarisation). */
  dynamicBinarization: z.boolean().default(false),
});
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** Parses with a schema, turning the first issue into one readable line. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new Error(`invalid ${what}: ${where}${issue.message}`);
}
