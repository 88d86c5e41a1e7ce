import './zod-config';
import { z } from 'zod';
import { ModelConfig, TrainConfig } from '../shared/config';
import { events } from './contract';
import { ReplyMessage, RequestId } from './envelope';
import { BackendReport, DatasetDescriptor, DisplayName, FsPath, Id } from './records';

/**
 * Messages between the supervisor (Electron main, or the `serve` process) and the engine's own
 * processes: an inference host that answers model requests, a batch host for the long ones
 * (latents, coverage), and one training process per job.
 * Both are spawned by the supervisor and speak structured clone (Electron utilityProcess, or a
 * Node child process with `serialization: 'advanced'`), so typed arrays travel as they are.
 */

/** The contract's requests an inference host answers, plus library chores only it can do. */
export const INFERENCE_METHODS = [
  'listDatasets',
  'listModelParts',
  'describeDataset',
  'importFolderDataset',
  'listModels',
  'openModel',
  'renameModel',
  'deleteModel',
  'importModel',
  'setModelDataset',
  'encode',
  'latents',
  'items',
  'decode',
  'decoderWeights',
  'decoderOnnx',
  'samplePrior',
  'coverage',
  'exportPng',
  'exportNpy',
  'saveSelection',
  'listSelections',
  'deleteSelection',
  'listVectors',
  'saveVector',
  'deleteVector',
  'listBookmarks',
  'saveBookmark',
  'deleteBookmark',
  'readSelection',
] as const;
export type InferenceMethod = (typeof INFERENCE_METHODS)[number];

export const ToInference = z.discriminatedUnion('type', [
  /**
   * First message: where the library is, and the demo models to seed it with on first start.
   * Only one host does the library chores (tidying, seeding); the batch host just reads it.
   */
  z.strictObject({
    type: z.literal('init'),
    libraryDir: FsPath,
    demoDir: FsPath.nullable(),
    chores: z.boolean(),
  }),
  z.strictObject({
    type: z.literal('request'),
    id: RequestId,
    method: z.enum(INFERENCE_METHODS),
    params: z.unknown(),
  }),
  /** A job wrote a new checkpoint: reload it now rather than on the next slider drag. */
  z.strictObject({ type: z.literal('refresh'), modelId: Id }),
]);
export type ToInference = z.infer<typeof ToInference>;

// A plain union: two variants share `type: 'reply'` (told apart by `ok`).
export const FromInference = z.union([
  z.strictObject({ type: z.literal('ready'), backend: BackendReport }),
  ...ReplyMessage.options,
  /** The process cannot work at all (no backend, unreadable library); it exits after this. */
  z.strictObject({ type: z.literal('fatal'), message: z.string() }),
]);
export type FromInference = z.infer<typeof FromInference>;

/** Everything a training process needs to start or resume one job. */
export const TrainSpec = z.strictObject({
  jobId: Id,
  modelId: Id,
  libraryDir: FsPath,
  name: DisplayName,
  /** A fresh model, or the library checkpoint `modelId` trained further. */
  source: z.discriminatedUnion('from', [
    z.strictObject({
      from: z.literal('new'),
      model: ModelConfig,
      dataset: DatasetDescriptor,
    }),
    z.strictObject({ from: z.literal('checkpoint') }),
  ]),
  /** Training settings; for a checkpoint, what is given overrides what it was trained with. */
  train: TrainConfig.partial(),
  /** The epoch to stop at, counting epochs already in the checkpoint. */
  epochs: z.number().int().min(1),
  latentLimit: z.number().int().min(0),
  stepIntervalMs: z.number().int().min(0),
  snapshotSeconds: z.number().min(0),
  liveCloudSeconds: z.number().min(0).default(2),
});
export type TrainSpec = z.infer<typeof TrainSpec>;

export const ToTrainer = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), spec: TrainSpec }),
  z.strictObject({ type: z.literal('control'), action: z.enum(['pause', 'resume', 'cancel']) }),
  /** The model was renamed: later checkpoints carry the new name. */
  z.strictObject({ type: z.literal('rename'), name: DisplayName }),
]);
export type ToTrainer = z.infer<typeof ToTrainer>;

export const TRAINER_EVENTS = ['trainingStep', 'trainingEpoch', 'trainingLatents'] as const;

export const FromTrainer = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), backend: BackendReport }),
  /** Data and model are ready, and a checkpoint of epoch `epoch` exists. */
  z.strictObject({
    type: z.literal('started'),
    epoch: z.number().int().min(0),
    epochs: z.number().int().min(1),
  }),
  z.strictObject({ type: z.literal('event'), event: z.enum(TRAINER_EVENTS), payload: z.unknown() }),
  z.strictObject({ type: z.literal('checkpoint'), epoch: z.number().int().min(0) }),
  /** Mid-epoch weights were written for the inference host (not a checkpoint to resume from). */
  z.strictObject({ type: z.literal('snapshot') }),
  z.strictObject({ type: z.literal('paused') }),
  z.strictObject({ type: z.literal('resumed') }),
  z.strictObject({
    type: z.literal('done'),
    status: z.enum(['completed', 'cancelled']),
    epoch: z.number().int().min(0),
  }),
  z.strictObject({
    type: z.literal('failed'),
    message: z.string(),
    epoch: z.number().int().min(0),
    /** False when the failure would recur on resume (e.g. the dataset cannot be opened). */
    resumable: z.boolean(),
  }),
]);
export type FromTrainer = z.infer<typeof FromTrainer>;

/** Trainer events are contract events: their payloads are checked with the contract's schemas. */
export const trainerEventSchemas = {
  trainingStep: events.trainingStep,
  trainingEpoch: events.trainingEpoch,
  trainingLatents: events.trainingLatents,
};
