/**
 * The names of every request and event, as plain constants: the sandboxed preload needs them and
 * must stay tiny (no zod). `contract.ts` is checked against these lists by the compiler.
 */
export const METHOD_NAMES = [
  'info',
  'listDatasets',
  'listModelParts',
  'describeDataset',
  'importFolderDataset',
  'startTraining',
  'continueTraining',
  'pauseTraining',
  'resumeTraining',
  'cancelTraining',
  'listJobs',
  'listModels',
  'openModel',
  'renameModel',
  'deleteModel',
  'importModel',
  'setModelDataset',
  'encode',
  'latents',
  'saveProjection',
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
  'uploadBegin',
  'uploadChunk',
  'uploadFinish',
  'uploadCancel',
  'chooseFolder',
  'chooseCheckpoint',
  'chooseSavePath',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const EVENT_NAMES = [
  'trainingStep',
  'trainingEpoch',
  'trainingLatents',
  'jobChanged',
  'trainingError',
  'hostError',
  'modelsChanged',
  'weightsChanged',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Error codes that cross a boundary; plain constants so the preload and errors.ts need no zod. */
export const ERROR_CODES = [
  'invalid-params',
  'invalid-message',
  'not-found',
  'busy',
  'host-crashed',
  'refused',
  'unavailable',
  'internal',
] as const;

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && (METHOD_NAMES as readonly string[]).includes(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

/** Electron IPC channel names: one per request, one for all events. */
export const ipcChannel = (method: MethodName): string => `atlas:${method}`;
export const IPC_EVENT_CHANNEL = 'atlas:event';
