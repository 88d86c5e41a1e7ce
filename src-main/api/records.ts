import './zod-config';
import { z } from 'zod';
import { LatentKind, ModelConfig, ObjectiveKind } from '../shared/config';
import { ERROR_CODES } from './names';
import { Float32ArraySchema, Int32ArraySchema, Uint8ArraySchema } from './typed-arrays';

/**
 * The records that requests, replies and events are made of. Engine types are mirrored here as
 * schemas (the engine's own zod configs are reused where they exist) so every boundary can check
 * what it receives.
 */

/** Ids name library folders and jobs: short, filesystem-safe, no path separators. */
export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected an id of letters, digits, ".", "_" or "-"');

/** A user-visible name (model names). */
export const DisplayName = z.string().trim().min(1).max(200);

/** An absolute or relative filesystem path on the machine that runs the engine. */
export const FsPath = z.string().min(1).max(4096);

export const DatasetOptions = z.strictObject({
  limit: z.number().int().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  size: z.number().int().min(4).max(1024).optional(),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
});
export type DatasetOptions = z.infer<typeof DatasetOptions>;

export const DatasetDescriptor = z.strictObject({
  /** `mnist`, `idx:IMAGES[,LABELS]`, `folder:DIR`, `shapes`, `toy:NAME`. */
  spec: z.string().min(1).max(4200),
  options: DatasetOptions.default({}),
});
export type DatasetDescriptor = z.infer<typeof DatasetDescriptor>;

export const DatasetEntry = z.object({
  spec: z.string(),
  description: z.string(),
  /** True for folders the user imported (remembered in the library). */
  imported: z.boolean(),
  options: DatasetOptions.optional(),
  /**
   * One item's shape with the default options; null or absent where only the files tell (IDX
   * files, folders: `describeDataset` says once the engine has opened them).
   */
  itemShape: z.array(z.number().int().positive()).nullable().optional(),
  /** Whether the `size` option sets the image side (the first two numbers of itemShape). */
  sized: z.boolean().optional(),
});
export type DatasetEntry = z.infer<typeof DatasetEntry>;

/** Most preview thumbnails a dataset summary carries. */
export const MAX_PREVIEW = 32;

/** The number of values a row-major array of `shape` holds. */
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * A few items of a dataset as thumbnails: row-major n × prod(shape), in [0, 1]. Large images are
 * box-filtered down (shape is then smaller than the dataset's item shape); point sets are as is.
 */
export const DatasetPreview = z
  .object({
    images: Float32ArraySchema,
    n: z.number().int().min(0).max(MAX_PREVIEW),
    shape: z.array(z.number().int().min(1)).min(1).max(3),
    /** The training items they are (index into the train split), with their labels if any. */
    indices: Int32ArraySchema,
    labels: Int32ArraySchema.nullable(),
  })
  .superRefine((v, ctx) => {
    const size = sizeOf(v.shape);
    if (v.images.length !== v.n * size) {
      ctx.addIssue({
        code: 'custom',
        path: ['images'],
        message: `length ${v.images.length} does not match ${v.n} thumbnails of shape [${v.shape.join(', ')}]`,
      });
    }
    if (v.indices.length !== v.n)
      ctx.addIssue({ code: 'custom', path: ['indices'], message: `expected ${v.n} indices` });
    if (v.labels && v.labels.length !== v.n)
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `expected ${v.n} labels` });
  });
export type DatasetPreview = z.infer<typeof DatasetPreview>;

export const DatasetSummary = z.object({
  spec: z.string(),
  options: DatasetOptions,
  name: z.string(),
  /** The shape of one item (`[h, w, c]` for images, `[d]` for points): a model's `inputShape`. */
  itemShape: z.array(z.number().int()),
  trainCount: z.number().int(),
  testCount: z.number().int(),
  labelNames: z.array(z.string()).optional(),
  warnings: z.array(z.string()),
  preview: DatasetPreview,
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const BackendReport = z.object({
  backend: z.string(),
  chosen: z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']),
  attempts: z.array(
    z.object({ name: z.string(), package: z.string(), ok: z.boolean(), reason: z.string() }),
  ),
});
export type BackendReport = z.infer<typeof BackendReport>;

export const JobState = z.enum([
  'starting',
  'running',
  'paused',
  'completed',
  'cancelled',
  'failed',
]);
export type JobState = z.infer<typeof JobState>;

export const JobInfo = z.object({
  jobId: Id,
  modelId: Id,
  name: z.string(),
  state: JobState,
  /** Epochs completed and saved (the checkpoint's epoch). */
  epoch: z.number().int().min(0),
  /** The epoch training stops at. */
  epochs: z.number().int().min(0),
  /** Why the job failed (state `failed`). */
  error: z.string().optional(),
  startedAt: z.string(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const ModelInfo = z.object({
  modelId: Id,
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Epochs trained so far (0 for a fresh or a stock model). */
  epoch: z.number().int().min(0),
  inputShape: z.array(z.number().int()),
  latent: z.object({
    kind: LatentKind,
    dim: z.number().int(),
    components: z.number().int().optional(),
  }),
  objective: ObjectiveKind,
  net: z.enum(['mlp', 'conv']),
  /**
   * `atlas`: trained here; `stock`: a TensorFlow.js layers model; `onnx`: run by ONNX Runtime;
   * `embedding`: imported vectors with metadata, no encoder and no decoder.
   */
  format: z.enum(['atlas', 'stock', 'onnx', 'embedding']).optional(),
  dataset: DatasetDescriptor.nullable(),
  /** Whether a training job is writing this model now. */
  training: z.boolean(),
  /** Seeded from the bundled demo models. */
  demo: z.boolean(),
  /** The last test-set ELBO, when known. */
  testElbo: z.number().nullable(),
  /** The last test-set reconstruction error (nats), when known: all a deterministic encoder has. */
  testReconstruction: z.number().nullable().optional(),
  /** What sets its posterior apart, in the CLI's words: `deterministic`, `planar:8`. */
  posterior: z.string().max(100).nullable().optional(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** The full record `openModel` returns: the summary plus the model's whole config. */
export const ModelDetail = ModelInfo.extend({
  config: ModelConfig,
  hasEncoder: z.boolean(),
  /** What loading noticed that does not stop it, e.g. weights that are all zero. */
  warnings: z.array(z.string()).optional(),
});
export type ModelDetail = z.infer<typeof ModelDetail>;

/** An epoch's training figures; `kl` null for a deterministic encoder (no q(z|x)). */
export const LossSummary = z.object({
  loss: z.number(),
  reconstruction: z.number(),
  kl: z.number().nullable(),
});
/** An epoch's test figures; ELBO and KL null for a deterministic encoder. */
export const EvalSummary = z.object({
  elbo: z.number().nullable(),
  reconstruction: z.number(),
  kl: z.number().nullable(),
});

/** Which items of a model's dataset: its training split, its test split, or both (train first). */
export const DataSplit = z.enum(['train', 'test', 'all']);
export type DataSplit = z.infer<typeof DataSplit>;

/**
 * The fields of a latent snapshot, without the cross-field checks (so events can extend it; see
 * `checkSnapshot`).
 */
/**
 * One metadata column of a cloud's points (an embedding's metadata TSV, or what a dataset knows
 * about its items): numbers, or categories as codes into `categories`. Missing values are NaN and
 * −1. Colouring and filters read them by `name`.
 */
export const MetadataColumn = z.discriminatedUnion('kind', [
  z.object({
    name: z.string().min(1).max(200),
    kind: z.literal('number'),
    values: Float32ArraySchema,
  }),
  z.object({
    name: z.string().min(1).max(200),
    kind: z.literal('category'),
    codes: Int32ArraySchema,
    categories: z.array(z.string().max(1000)).max(100_000),
  }),
]);
export type MetadataColumn = z.infer<typeof MetadataColumn>;

export const LatentSnapshotFields = z.object({
  /** Encoded means, row-major n × dim. */
  means: Float32ArraySchema,
  n: z.number().int().min(0),
  dim: z.number().int().min(1),
  labels: Int32ArraySchema.nullable(),
  labelNames: z.array(z.string()).nullable(),
  /**
   * The dataset item each point encodes, numbered within `split` (for `all`: the training items,
   * then the test items after them), so the page can ask `items` for the originals.
   */
  indices: Int32ArraySchema,
  split: DataSplit,
  /** Per-point reconstruction error: −log p(x | z = mean) in nats, when the sender computed it. */
  errors: Float32ArraySchema.optional(),
  /** Per-point metadata columns, when the source has any (an imported embedding's TSV). */
  metadata: z.array(MetadataColumn).max(256).optional(),
});

/** Every per-point array holds exactly one row per point. */
export function checkSnapshot(v: z.infer<typeof LatentSnapshotFields>, ctx: z.RefinementCtx): void {
  const rows: [string, ArrayLike<number> | null | undefined, number][] = [
    ['means', v.means, v.n * v.dim],
    ['labels', v.labels, v.n],
    ['indices', v.indices, v.n],
    ['errors', v.errors, v.n],
  ];
  v.metadata?.forEach((c, i) =>
    rows.push([`metadata.${i}`, c.kind === 'number' ? c.values : c.codes, v.n]),
  );
  for (const [key, data, expected] of rows) {
    if (data && data.length !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `length ${data.length} does not match n = ${v.n}${key === 'means' ? ` × dim = ${v.dim}` : ''}`,
      });
    }
  }
}

/** Encoded means of up to 70,000 items with their labels, item indices and errors. */
export const LatentSnapshot = LatentSnapshotFields.superRefine(checkSnapshot);
export type LatentSnapshot = z.infer<typeof LatentSnapshot>;

/** Activations a page evaluates itself (tfjs's names for them). */
export const DENSE_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus'] as const;
export const DenseActivation = z.enum(DENSE_ACTIVATIONS);
export type DenseActivation = z.infer<typeof DenseActivation>;

/** Most Dense layers a decoder the page evaluates may have. */
export const MAX_DENSE_LAYERS = 64;
/**
 * Most weights (kernel and bias values, all layers) a decoder the page evaluates may have: 32 MB,
 * a few milliseconds a decode in plain JavaScript. Past that the engine decodes faster.
 */
export const MAX_DECODER_WEIGHTS = 8_000_000;

/** One Dense layer: y = activation(x · kernel + bias), kernel row-major [inputs, units] (as tfjs). */
export const DenseLayerWeights = z
  .object({
    kernel: Float32ArraySchema,
    bias: Float32ArraySchema,
    inputs: z.number().int().min(1).max(MAX_DECODER_WEIGHTS),
    units: z.number().int().min(1).max(MAX_DECODER_WEIGHTS),
    activation: DenseActivation,
  })
  .superRefine((v, ctx) => {
    if (v.kernel.length !== v.inputs * v.units)
      ctx.addIssue({
        code: 'custom',
        path: ['kernel'],
        message: `length ${v.kernel.length} does not match inputs × units = ${v.inputs} × ${v.units}`,
      });
    if (v.bias.length !== v.units)
      ctx.addIssue({
        code: 'custom',
        path: ['bias'],
        message: `length ${v.bias.length} does not match units = ${v.units}`,
      });
  });
export type DenseLayerWeights = z.infer<typeof DenseLayerWeights>;

/**
 * A decoder that is a plain stack of Dense layers, as weights a page can evaluate: each layer's
 * output feeds the next; the last one emits `output` (logits: images are their sigmoid;
 * probabilities: images as they are), prod(shape) values per latent vector, row-major.
 */
export const DecoderWeights = z
  .object({
    layers: z.array(DenseLayerWeights).min(1).max(MAX_DENSE_LAYERS),
    output: z.enum(['logits', 'probabilities']),
    shape: z.array(z.number().int().min(1)).min(1).max(3),
  })
  .superRefine((v, ctx) => {
    v.layers.forEach((layer, i) => {
      const previous = v.layers[i - 1];
      if (previous && layer.inputs !== previous.units)
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'inputs'],
          message: `${layer.inputs} inputs, but layer ${i - 1} has ${previous.units} units`,
        });
    });
    const last = v.layers.at(-1);
    const size = sizeOf(v.shape);
    if (last && last.units !== size)
      ctx.addIssue({
        code: 'custom',
        path: ['shape'],
        message: `[${v.shape.join(', ')}] holds ${size} values, but the last layer has ${last.units} units`,
      });
    const total = v.layers.reduce((sum, l) => sum + l.kernel.length + l.bias.length, 0);
    if (total > MAX_DECODER_WEIGHTS)
      ctx.addIssue({
        code: 'custom',
        path: ['layers'],
        message: `${total} weights; at most ${MAX_DECODER_WEIGHTS}`,
      });
  });
export type DecoderWeights = z.infer<typeof DecoderWeights>;

/** What a user can state about an ONNX model on import (the atlas.json fields a form offers). */
export const OnnxOptions = z.strictObject({
  prior: z.enum(['gaussian', 'sphere']).optional(),
  output: z.enum(['logits', 'probs', 'tanh']).optional(),
  layout: z.enum(['nchw', 'nhwc', 'flat']).optional(),
  inputSize: z
    .string()
    .regex(/^\d{1,5}x\d{1,5}x(1|3)$/)
    .optional(),
});
export type OnnxOptions = z.infer<typeof OnnxOptions>;

/** The largest ONNX decoder a page is sent to run itself (bigger ones decode in the engine). */
export const MAX_ONNX_DECODER_BYTES = 48 * 1024 * 1024;

/**
 * An ONNX model's decoder graph and how to call it (engine/onnx/onnx-model.ts DecoderPlan), for a
 * page that runs it with onnxruntime-web: the same graph the engine runs, so the same images.
 */
export const OnnxDecoder = z.object({
  bytes: Uint8ArraySchema.refine((b) => b.length <= MAX_ONNX_DECODER_BYTES, {
    message: `at most ${MAX_ONNX_DECODER_BYTES} bytes`,
  }),
  latentInput: z.string().min(1),
  latentDim: z.number().int().min(1),
  /** A batch size fixed in the graph, or null for a dynamic batch axis. */
  fixedBatch: z.number().int().min(1).nullable(),
  /** Other inputs, one row of values repeated for every row of z. */
  constants: z.array(
    z.object({
      name: z.string().min(1),
      values: z.array(z.number()),
      dims: z.array(z.number().int().min(1)),
    }),
  ),
  output: z.string().min(1),
  layout: z.enum(['nchw', 'nhwc', 'flat']),
  range: z.enum(['logits', 'probs', 'tanh']),
  /** One image, [h, w, c]. */
  shape: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]),
});
export type OnnxDecoder = z.infer<typeof OnnxDecoder>;

/**
 * The coverage report, exactly as the engine computes it: the engine's own schema, whose inferred
 * type the engine builds its report as (shared/coverage-report.ts).
 */
export { CoverageReport } from '../shared/coverage-report';

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorInfo = z.object({ message: z.string(), code: ErrorCode });
export type ErrorInfo = z.infer<typeof ErrorInfo>;
