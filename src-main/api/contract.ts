import './zod-config';
import { z } from 'zod';
import { ModelConfig, TrainConfig } from '../shared/config';
import type { EventName, MethodName } from './names';
import {
  BackendReport,
  CoverageReport,
  DataSplit,
  DatasetDescriptor,
  DatasetEntry,
  DatasetOptions,
  DatasetSummary,
  DecoderWeights,
  OnnxDecoder,
  OnnxOptions,
  DisplayName,
  EvalSummary,
  FsPath,
  Id,
  JobInfo,
  LatentSnapshotFields,
  LossSummary,
  MAX_PREVIEW,
  ModelDetail,
  ModelInfo,
  checkSnapshot,
} from './records';
import { Float32ArraySchema, Int32ArraySchema, Uint8ArraySchema } from './typed-arrays';
import { ModelParts } from '../shared/parts';
import { CartographyName, VectorRecord } from '../shared/vector-index';

/**
 * The contract: every request (params → result) and every event that crosses a process boundary.
 * Main, preload, host, server and renderer all take their messages from here; params are strict
 * (unknown keys are refused) so a typo fails loudly instead of being ignored.
 */

/** Most points a latent snapshot carries (all of MNIST: 60k train + 10k test). */
export const MAX_POINTS = 70_000;
/** Most latent vectors one decode request may carry. */
export const MAX_DECODE = 10_000;
/** Most dataset items one `items` request may ask for. */
export const MAX_ITEMS = 1_024;
/** Most item indices one saved selection may hold. */
export const MAX_SELECTION = 2_000_000;

const Empty = z.strictObject({});

/**
 * A point cloud as `latents` answers it: the snapshot, the weights version it was encoded with
 * (null: not cacheable, e.g. mid-epoch weights), where it came from, and a 3D UMAP of it
 * (n × 3) once one was computed for these weights.
 */
const CachedLatents = LatentSnapshotFields.extend({
  weightsVersion: z.string().nullable().optional(),
  source: z.enum(['cache', 'encoded']).optional(),
  umap3: Float32ArraySchema.optional(),
  /** A 3D t-SNE of it (n × 3), once one was computed for these weights. */
  tsne3: Float32ArraySchema.optional(),
}).superRefine((v, ctx) => {
  checkSnapshot(v, ctx);
  if (v.umap3 && v.umap3.length !== v.n * 3)
    ctx.addIssue({
      code: 'custom',
      path: ['umap3'],
      message: `length ${v.umap3.length} is not n × 3 = ${v.n * 3}`,
    });
  if (v.tsne3 && v.tsne3.length !== v.n * 3)
    ctx.addIssue({
      code: 'custom',
      path: ['tsne3'],
      message: `length ${v.tsne3.length} is not n × 3 = ${v.n * 3}`,
    });
});
const Count = (max: number) => z.number().int().min(1).max(max);

/** A batch of `n` rows packed in one typed array: its length must be a multiple of n. */
function rowsOf<K extends string>(key: K, n: string) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const rows = v[n] as number;
    const data = v[key] as ArrayLike<number>;
    if (data.length === 0 || data.length % rows !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `length ${data.length} is not a whole number of rows for ${n} = ${rows}`,
      });
    }
  };
}

function shapeMatches(key: string, shapeOf: (v: Record<string, unknown>) => number[]) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const shape = shapeOf(v);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = v[key] as ArrayLike<number>;
    if (data.length !== size) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `length ${data.length} does not match shape [${shape.join(', ')}] (${size} values)`,
      });
    }
  };
}

/**
 * Item indices: 1 to `max` of them, none negative. The upper bound is the dataset's, checked where
 * the dataset is open (the inference host).
 */
function itemIndices(max: number) {
  return Int32ArraySchema.superRefine((indices, ctx) => {
    if (indices.length === 0 || indices.length > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected 1 to ${max} indices, got ${indices.length}`,
      });
      return;
    }
    const bad = indices.findIndex((i) => i < 0);
    if (bad >= 0)
      ctx.addIssue({
        code: 'custom',
        message: `indices[${bad}] = ${indices[bad]} is negative`,
      });
  });
}

const ModelRef = z.strictObject({ modelId: Id });

/** A bookmark's name: any text a person types, trimmed (it is a JSON key, never a file name). */
export const BookmarkName = z.string().trim().min(1).max(80);
/** A named view saved with a model: the page's view-state text (its URL hash) and when. */
export const Bookmark = z.object({
  name: z.string(),
  state: z.string(),
  savedAt: z.string(),
});

/**
 * A saved selection's name: also its file name (`selections/<name>.npy`), so 1–64 letters,
 * digits, '-' and '_', no path separators or dots (the names attribute vectors and the CLI's
 * cartography commands take).
 */
export const SelectionName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "1–64 letters, digits, '-' or '_', starting with a letter or digit (no path separators or dots)",
  );

/** A selection saved with a model: its name, file, size, the split its indices number, when. */
export const SavedSelection = z.object({
  name: SelectionName,
  /** Its file inside the model's folder: `selections/<name>.npy` (int32 [count]). */
  file: z.string(),
  count: z.number().int().min(0),
  split: DataSplit.nullable(),
  /** ISO time it was saved; null when only the file tells (written by hand or by the CLI). */
  created: z.string().nullable(),
  description: z.string().optional(),
});
export type SavedSelection = z.infer<typeof SavedSelection>;

/** A saved attribute vector: its index record and its coordinates. */
export const SavedVector = VectorRecord.extend({
  vector: Float32ArraySchema,
  basePoint: Float32ArraySchema,
});
export type SavedVector = z.infer<typeof SavedVector>;

/** One of the two groups a vector is saved with (the index records `group` from it too). */
const SavedVectorGroup = z.strictObject({
  group: z.string().max(200).optional(),
  description: z.string().max(500),
  n: z.number().int().min(1),
});
const JobRef = z.strictObject({ jobId: Id });
const JobReply = z.object({ job: JobInfo });
const PathReply = z.object({ path: FsPath.nullable() });
const DialogParams = z.strictObject({ title: z.string().max(200).optional() });

/** How many encoded points to send after each epoch (0 = none). */
const LatentLimit = z.number().int().min(0).max(MAX_POINTS).default(10_000);
/** Least time between two `trainingStep` events of one job. */
const StepInterval = z.number().int().min(0).max(60_000).default(200);
/**
 * Seconds between mid-epoch weight snapshots for the inference host (0 = epoch checkpoints only):
 * decodes of a model in training use weights at most this old.
 */
const SnapshotSeconds = z.number().min(0).max(3_600).default(10);
/**
 * Least seconds between two point clouds sent during an epoch (0 = at epoch ends only); the
 * worker waits longer when encoding them would take more than a fifth of the time.
 */
const LiveCloudSeconds = z.number().min(0).max(3_600).default(2);

/** Most bytes one `uploadChunk` carries (far below serve's 64 MiB message limit). */
export const MAX_UPLOAD_CHUNK = 8 * 1024 * 1024;
/**
 * A file's place inside an upload: a relative, `/`-separated path (not a file-system path the
 * engine opens; the upload store checks each part again before writing anything).
 */
const UploadEntryName = z
  .string()
  .min(1)
  .max(1024)
  .refine((name) => !name.startsWith('/') && !name.split('/').includes('..'), {
    message: 'must be a relative path without ".."',
  });

const ImageShape = z.tuple([
  z.number().int().min(1).max(4096),
  z.number().int().min(1).max(4096),
  z.union([z.literal(1), z.literal(3)]),
]);

export const methods = {
  /** Which transport and engine backend this is, and what it can do. */
  info: {
    params: Empty,
    result: z.object({
      version: z.string(),
      transport: z.enum(['electron', 'websocket', 'direct']),
      backend: BackendReport,
      /** Which backend would train faster if it could be installed, per net; null: none would. */
      backendAdvice: z
        .object({ mlp: z.string().nullable(), conv: z.string().nullable() })
        .optional(),
      libraryDir: z.string(),
      /** Native file dialogs exist (Electron); a browser page types paths instead. */
      dialogs: z.boolean(),
    }),
  },
  listDatasets: { params: Empty, result: z.object({ datasets: z.array(DatasetEntry) }) },
  /**
   * The registered latent geometries and objectives, each describing itself (label, settings
   * with their ranges, whether it is spherical, what coverage compares with, which objectives a
   * geometry refuses and why): the training form and the explorer are built from these.
   */
  listModelParts: { params: Empty, result: ModelParts },
  /**
   * Opens a dataset and says what it holds: item shape (a new model's `inputShape`), counts, label
   * names and a few thumbnails. Nothing is remembered (`importFolderDataset` does that).
   */
  describeDataset: {
    params: z.strictObject({
      spec: DatasetDescriptor.shape.spec,
      options: DatasetOptions.default({}),
      /** How many thumbnails to send (evenly spread over the training items). */
      preview: z.number().int().min(0).max(MAX_PREVIEW).default(8),
    }),
    result: z.object({ dataset: DatasetSummary }),
  },
  /** Opens a folder of images as a dataset (checking it) and remembers it in the library. */
  importFolderDataset: {
    params: z.strictObject({
      path: FsPath,
      size: z.number().int().min(4).max(1024).optional(),
      channels: z.union([z.literal(1), z.literal(3)]).optional(),
    }),
    result: z.object({ dataset: DatasetSummary }),
  },
  /** Trains a new model in its own process; progress arrives as events. */
  startTraining: {
    params: z.strictObject({
      name: DisplayName.optional(),
      dataset: DatasetDescriptor,
      model: ModelConfig,
      train: TrainConfig,
      latentLimit: LatentLimit,
      stepIntervalMs: StepInterval,
      snapshotSeconds: SnapshotSeconds,
      liveCloudSeconds: LiveCloudSeconds,
    }),
    result: JobReply,
  },
  /** Trains a library model for more epochs, from its checkpoint. */
  continueTraining: {
    params: z.strictObject({
      modelId: Id,
      epochs: z.number().int().min(1).max(100_000),
      train: TrainConfig.omit({ epochs: true }).partial().strict().optional(),
      latentLimit: LatentLimit,
      stepIntervalMs: StepInterval,
      snapshotSeconds: SnapshotSeconds,
      liveCloudSeconds: LiveCloudSeconds,
    }),
    result: JobReply,
  },
  pauseTraining: { params: JobRef, result: JobReply },
  /** Resumes a paused job, or restarts a failed or cancelled one from its last checkpoint. */
  resumeTraining: { params: JobRef, result: JobReply },
  cancelTraining: { params: JobRef, result: JobReply },
  listJobs: { params: Empty, result: z.object({ jobs: z.array(JobInfo) }) },
  listModels: { params: Empty, result: z.object({ models: z.array(ModelInfo) }) },
  /** Loads a model for inference and returns its full description. */
  openModel: { params: ModelRef, result: z.object({ model: ModelDetail }) },
  renameModel: {
    params: z.strictObject({ modelId: Id, name: DisplayName }),
    result: z.object({ model: ModelInfo }),
  },
  deleteModel: { params: ModelRef, result: z.object({ modelId: Id }) },
  /**
   * Imports a model into the library: a checkpoint folder, a stock TensorFlow.js model, or an ONNX
   * model (a decoder `.onnx` file or a folder with decoder.onnx). `onnx` states what its graph does
   * not (as atlas.json does).
   */
  importModel: {
    params: z.strictObject({
      path: FsPath,
      name: DisplayName.optional(),
      onnx: OnnxOptions.optional(),
    }),
    result: z.object({ model: ModelInfo }),
  },
  /**
   * Names the dataset whose items an imported ONNX model encodes (its cloud, its coverage): the
   * models trained here record theirs; a model from elsewhere is told (stored in its atlas.json).
   */
  setModelDataset: {
    params: z.strictObject({ modelId: Id, dataset: DatasetDescriptor }),
    result: z.object({ model: ModelInfo }),
  },
  /** Posterior means of items x (row-major n × inputSize, values in [0, 1]). */
  encode: {
    params: z
      .strictObject({ modelId: Id, x: Float32ArraySchema, n: Count(MAX_POINTS) })
      .superRefine(rowsOf('x', 'n')),
    result: z.object({ means: Float32ArraySchema, n: z.number().int(), dim: z.number().int() }),
  },
  /** Encoded means (with labels) of the model's dataset: the point cloud. */
  latents: {
    params: z.strictObject({
      modelId: Id,
      limit: z.number().int().min(1).max(MAX_POINTS).default(10_000),
      split: DataSplit.default('all'),
      /**
       * Whether the cloud may come from (and go to) the cache beside the checkpoint; false
       * encodes afresh and stores nothing (benchmarks measure the uncached path with it).
       */
      cache: z.boolean().default(true),
    }),
    result: CachedLatents,
  },
  /**
   * Stores a projection the page computed of a cached cloud (a 3D UMAP, n × 3) beside the
   * checkpoint, so the next open shows it at once. Only into that model's cache, only for the
   * weights version the cloud came with (`weightsVersion` of `latents`) and only when it has the
   * cloud's number of points; otherwise `stored` is false and `reason` says why.
   */
  saveProjection: {
    params: z
      .strictObject({
        modelId: Id,
        weightsVersion: z.string().regex(/^[0-9a-f]{16}$/),
        kind: z.enum(['umap3', 'tsne3']),
        split: DataSplit.default('all'),
        n: Count(MAX_POINTS),
        coords: Float32ArraySchema,
      })
      .superRefine((v, ctx) => {
        if (v.coords.length !== v.n * 3)
          ctx.addIssue({
            code: 'custom',
            path: ['coords'],
            message: `length ${v.coords.length} is not n × 3 = ${v.n * 3}`,
          });
        else if (!v.coords.every(Number.isFinite))
          ctx.addIssue({
            code: 'custom',
            path: ['coords'],
            message: 'contains NaN or infinite values',
          });
      }),
    result: z.object({ stored: z.boolean(), reason: z.string().optional() }),
  },
  /**
   * The original items of the model's dataset (the one its checkpoint records), as the model
   * sees them: row-major n × prod(shape), in [0, 1]. `indices` number the items of `split` as a
   * latent snapshot's `indices` do (for `all`: training items, then test items).
   */
  items: {
    params: z.strictObject({
      modelId: Id,
      indices: itemIndices(MAX_ITEMS),
      split: DataSplit.default('all'),
    }),
    result: z.object({
      images: Float32ArraySchema,
      n: z.number().int(),
      shape: z.array(z.number().int()),
    }),
  },
  /** Images (row-major n × prod(shape), in [0, 1]) for latent vectors z (n × dim). */
  decode: {
    params: z
      .strictObject({ modelId: Id, z: Float32ArraySchema, n: Count(MAX_DECODE) })
      .superRefine(rowsOf('z', 'n')),
    result: z.object({
      images: Float32ArraySchema,
      n: z.number().int(),
      shape: z.array(z.number().int()),
    }),
  },
  /**
   * The decoder's weights, so that a page can decode slider drags itself rather than ask `decode`
   * for each position: answered when the decoder is a plain stack of Dense layers (then at most
   * Flatten or Reshape) with activations of `DENSE_ACTIVATIONS` and at most `MAX_DECODER_WEIGHTS`
   * weights. Any other decoder (convolutions, a branching graph, another activation, too many
   * weights) answers `unsupported` with the reason, and the page keeps asking `decode`. The
   * weights are the ones `decode` uses now; `weightsChanged` says when they change.
   */
  decoderWeights: {
    params: ModelRef,
    result: z.union([DecoderWeights, z.object({ unsupported: z.string().min(1) })]),
  },
  /**
   * The decoder of an ONNX model as its graph, for a page that runs it itself (onnxruntime-web);
   * `unsupported` says why not (not an ONNX model, too large).
   */
  decoderOnnx: {
    params: ModelRef,
    result: z.union([OnnxDecoder, z.object({ unsupported: z.string().min(1) })]),
  },
  /** n draws from the model's prior and their images. */
  samplePrior: {
    params: z.strictObject({
      modelId: Id,
      n: Count(MAX_DECODE),
      seed: z.number().int().min(0).default(0),
    }),
    result: z.object({
      z: Float32ArraySchema,
      images: Float32ArraySchema,
      n: z.number().int(),
      dim: z.number().int(),
      shape: z.array(z.number().int()),
    }),
  },
  /** How well the encoded data covers the prior (Mardia, radius KS, MMD, active units, ...). */
  coverage: {
    params: z.strictObject({
      modelId: Id,
      limit: z.number().int().min(10).max(MAX_POINTS).default(5_000),
      seed: z.number().int().min(0).default(0),
    }),
    result: z.object({ report: CoverageReport, n: z.number().int(), dim: z.number().int() }),
  },
  /** A PNG contact sheet of n images; written to `path` when given, always returned. */
  exportPng: {
    params: z
      .strictObject({
        images: Float32ArraySchema,
        n: Count(MAX_DECODE),
        shape: ImageShape,
        columns: z.number().int().min(1).max(1024).optional(),
        scale: z.number().int().min(1).max(16).default(1),
        path: FsPath.optional(),
        /** Replace an existing file at `path` (`serve` refuses to without it). */
        overwrite: z.boolean().optional(),
        /** A contact sheet's title line (model, date); with captions, the images get a caption each. */
        title: z.string().max(300).optional(),
        captions: z.array(z.string().max(300)).max(MAX_DECODE).optional(),
        /**
         * JSON written beside `path` as `<name>.json` (the latents of what the PNG shows), under
         * the same overwrite rule. Without a path the page saves it itself.
         */
        sidecar: z
          .string()
          .max(16 * 1024 * 1024)
          .optional(),
      })
      .superRefine(
        shapeMatches('images', (v) => [v.n as number, ...(v.shape as [number, number, number])]),
      ),
    result: z.object({ png: Uint8ArraySchema, path: FsPath.nullable() }),
  },
  /**
   * A NumPy .npy file of a float32 array (latents) or an int32 one (item indices); written to
   * `path` when given, always returned.
   */
  exportNpy: {
    params: z
      .strictObject({
        data: z.union([Float32ArraySchema, Int32ArraySchema]),
        shape: z.array(z.number().int().min(0)).min(1).max(8),
        path: FsPath.optional(),
        /** Replace an existing file at `path` (`serve` refuses to without it). */
        overwrite: z.boolean().optional(),
      })
      .superRefine(shapeMatches('data', (v) => v.shape as number[])),
    result: z.object({ npy: Uint8ArraySchema, path: FsPath.nullable() }),
  },
  /**
   * Saves a group of the model's items under a name, with the model (its library folder):
   * `selections/<name>.npy` holds the item indices (int32 [k], numbered within `split` as a
   * latent snapshot's `indices` are) and `selections/index.json` lists every saved selection.
   * Both are written aside and renamed into place. An existing name is refused unless
   * `overwrite`. Attribute vectors are made from two saved selections.
   */
  saveSelection: {
    params: z.strictObject({
      modelId: Id,
      name: SelectionName,
      indices: itemIndices(MAX_SELECTION),
      split: DataSplit.default('all'),
      /** For people: how the selection was made (`lasso`, `label 3`). */
      description: z.string().max(500).optional(),
      overwrite: z.boolean().default(false),
    }),
    result: z.object({ selection: SavedSelection }),
  },
  /** The selections saved with a model, by name. */
  listSelections: {
    params: ModelRef,
    result: z.object({ selections: z.array(SavedSelection) }),
  },
  /**
   * Removes a saved selection (its index entry, then `<name>.npy` and `<name>.json`); `deleted`
   * false when there was none of that name.
   */
  deleteSelection: {
    params: z.strictObject({ modelId: Id, name: SelectionName }),
    result: z.object({ deleted: z.boolean() }),
  },
  /**
   * Attribute vectors saved with a model (`vectors/`, layout in shared/vector-index.ts): the
   * index's records, by name, each with its coordinates (`vector`) and where it starts
   * (`basePoint`; the record's `base` names that file).
   */
  listVectors: {
    params: ModelRef,
    result: z.object({ vectors: z.array(SavedVector) }),
  },
  /**
   * Saves an attribute vector made on the page: the direction, where it starts (the from-group's
   * centre; on a sphere the unit point it is tangent at), its AUC and the two groups. Refused
   * when the name exists unless `overwrite`.
   */
  saveVector: {
    params: z
      .strictObject({
        modelId: Id,
        name: CartographyName,
        vector: Float32ArraySchema,
        base: Float32ArraySchema,
        sphere: z.boolean(),
        auc: z.number().min(0).max(1),
        from: SavedVectorGroup,
        to: SavedVectorGroup,
        overwrite: z.boolean().default(false),
      })
      .superRefine((p, ctx) => {
        if (p.vector.length < 1 || p.vector.length > 4096)
          ctx.addIssue({ code: 'custom', message: 'vector must have 1–4096 coordinates' });
        if (p.base.length !== p.vector.length)
          ctx.addIssue({
            code: 'custom',
            message: `base has ${p.base.length} coordinates, not ${p.vector.length}`,
          });
        if (![...p.vector, ...p.base].every(Number.isFinite))
          ctx.addIssue({ code: 'custom', message: 'vector and base must be finite' });
      }),
    result: z.object({ vector: VectorRecord }),
  },
  /** Removes a saved vector; `deleted` false when there was none of that name. */
  deleteVector: {
    params: z.strictObject({ modelId: Id, name: CartographyName }),
    result: z.object({ deleted: z.boolean() }),
  },
  /** The named views (bookmarks) saved with a model (`bookmarks.json` in its folder), by name. */
  listBookmarks: {
    params: ModelRef,
    result: z.object({ bookmarks: z.array(Bookmark) }),
  },
  /**
   * Saves the view `state` (the page's versioned view text; the page validates it) under `name`,
   * replacing a bookmark of that name.
   */
  saveBookmark: {
    params: z.strictObject({
      modelId: Id,
      name: BookmarkName,
      state: z.string().min(1).max(2_000_000),
    }),
    result: z.object({ bookmark: Bookmark }),
  },
  deleteBookmark: {
    params: z.strictObject({ modelId: Id, name: BookmarkName }),
    result: z.object({ deleted: z.boolean() }),
  },
  /**
   * A saved selection's item indices and the split they number (null: the file does not say),
   * to make a vector from it.
   */
  readSelection: {
    params: z.strictObject({ modelId: Id, name: SelectionName }),
    result: z.object({ indices: Int32ArraySchema, split: DataSplit.nullable() }),
  },
  /**
   * Uploads: files sent from the page (a browser, or an app attached to a remote engine) into the
   * library, so that a checkpoint or a folder of images need not already lie on the engine's
   * machine. One upload is a set of files under relative paths (a folder's files as
   * `webkitdirectory` names them), or one `.zip`; `uploadFinish` checks everything and only then
   * moves it into the library. Sizes are capped (src-main/host/library/uploads.ts); an upload left idle is
   * dropped.
   */
  uploadBegin: {
    params: z.strictObject({
      kind: z.enum(['checkpoint', 'images']),
      /** What the person picked (a folder's or a zip's name): the default display name. */
      name: DisplayName,
      /** The sum of every file's size: refused at once when over the cap. */
      totalBytes: z.number().int().min(1),
      /** How many entries (files) will come: 1 for a zip. */
      entries: z.number().int().min(1).optional(),
    }),
    result: z.object({
      uploadId: Id,
      /** The largest `bytes` one `uploadChunk` may carry. */
      maxChunkBytes: z.number().int(),
    }),
  },
  /**
   * `bytes` of the upload's entry `entry` (its relative name, `/`-separated, as the page's file
   * picker gives it: not a path the engine opens) from `offset` on, in order.
   */
  uploadChunk: {
    params: z.strictObject({
      uploadId: Id,
      entry: UploadEntryName,
      offset: z.number().int().min(0),
      bytes: Uint8ArraySchema.refine((b) => b.length <= MAX_UPLOAD_CHUNK, {
        message: `at most ${MAX_UPLOAD_CHUNK} bytes a chunk`,
      }),
    }),
    result: z.object({ received: z.number().int() }),
  },
  /**
   * Checks the upload and moves it into the library: a checkpoint is imported (as `importModel`
   * does) and its record returned; images become a dataset folder, remembered like
   * `importFolderDataset`, whose `spec` (`folder:DIR`) trains.
   */
  uploadFinish: {
    params: z.strictObject({ uploadId: Id }),
    result: z.object({
      model: ModelInfo.optional(),
      dataset: DatasetSummary.optional(),
      spec: z.string().optional(),
    }),
  },
  /** Drops an unfinished upload and everything it received. */
  uploadCancel: {
    params: z.strictObject({ uploadId: Id }),
    result: z.object({ cancelled: z.boolean() }),
  },
  /** Native dialogs (Electron only; a browser gets `unavailable`). */
  chooseFolder: { params: DialogParams, result: PathReply },
  chooseCheckpoint: { params: DialogParams, result: PathReply },
  chooseSavePath: {
    params: DialogParams.extend({
      kind: z.enum(['png', 'npy']),
      defaultName: z.string().max(255).optional(),
    }),
    result: PathReply,
  },
} as const satisfies Record<MethodName, { params: z.ZodType; result: z.ZodType }>;

const JobEvent = { jobId: Id, modelId: Id };

export const events = {
  /** A training step's loss (throttled per job by `stepIntervalMs`). */
  trainingStep: z.object({
    ...JobEvent,
    epoch: z.number().int().min(1),
    step: z.number().int().min(0),
    loss: z.number(),
    /** Seconds the run has left, estimated from its first steps; null until it can be. */
    etaSeconds: z.number().min(0).nullable().optional(),
    /** Where the step is in its epoch (1-based), for a progress bar within the epoch. */
    stepInEpoch: z.number().int().min(0).optional(),
    stepsPerEpoch: z.number().int().min(1).optional(),
  }),
  /** An epoch finished and was checkpointed. */
  trainingEpoch: z.object({
    ...JobEvent,
    epoch: z.number().int().min(1),
    epochs: z.number().int().min(1),
    train: LossSummary,
    test: EvalSummary,
    seconds: z.number(),
    samplesPerSecond: z.number(),
  }),
  /** The encoded means after an epoch: the point cloud moving as the model learns. */
  trainingLatents: LatentSnapshotFields.extend({
    ...JobEvent,
    epoch: z.number().int().min(0),
  }).superRefine(checkSnapshot),
  /** A job's state or progress changed. */
  jobChanged: z.object({ job: JobInfo }),
  /** A job failed: its process crashed or training threw. The checkpoint is left as it was. */
  trainingError: z.object({
    ...JobEvent,
    message: z.string(),
    /** The epoch of the last intact checkpoint (0 = the initial weights). */
    lastEpoch: z.number().int().min(0),
    resumable: z.boolean(),
  }),
  /** An engine process died or misbehaved; it is restarted on the next request. */
  hostError: z.object({
    role: z.enum(['inference', 'train', 'connection']),
    message: z.string(),
  }),
  /** The model library changed (a model added, renamed, deleted or checkpointed). */
  modelsChanged: z.object({ modelIds: z.array(Id) }),
  /**
   * The weights the engine decodes model `modelId` with changed: a job checkpointed it, wrote
   * mid-epoch weights, or ended (decodes go back to its last checkpoint). A page that decodes with
   * `decoderWeights` asks for them again.
   */
  weightsChanged: z.object({ modelId: Id }),
} as const satisfies Record<EventName, z.ZodType>;

// Both tables must name exactly the lists in names.ts.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _methodsMatch: Exactly<keyof typeof methods, MethodName> = true;
const _eventsMatch: Exactly<keyof typeof events, EventName> = true;
void _methodsMatch;
void _eventsMatch;

export type Methods = typeof methods;
export type Events = typeof events;
/** What a caller passes (defaults may be left out). */
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
/** What a handler receives: validated, defaults filled in. */
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
