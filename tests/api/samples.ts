import type { EventName, MethodName } from '../../src-main/api/names';

/** One valid payload per request and per event: the base the malformed cases are made from. */
const model = {
  inputShape: [2],
  latent: { kind: 'gaussian', dim: 2 },
  objective: { kind: 'kl', weight: 1 },
  net: { kind: 'mlp', hidden: [8] },
  likelihood: 'gaussian',
};

export const validParams: Record<MethodName, Record<string, unknown>> = {
  info: {},
  listDatasets: {},
  listModelParts: {},
  describeDataset: { spec: 'toy:moons', options: { limit: 100 } },
  importFolderDataset: { path: '/tmp/icons', size: 32, channels: 1 },
  startTraining: {
    dataset: { spec: 'toy:moons', options: { limit: 100 } },
    model,
    train: { epochs: 1 },
  },
  continueTraining: { modelId: 'm-1', epochs: 2 },
  pauseTraining: { jobId: 'job-1' },
  resumeTraining: { jobId: 'job-1' },
  cancelTraining: { jobId: 'job-1' },
  listJobs: {},
  listModels: {},
  openModel: { modelId: 'm-1' },
  renameModel: { modelId: 'm-1', name: 'Digits' },
  deleteModel: { modelId: 'm-1' },
  importModel: { path: '/tmp/ckpt' },
  encode: { modelId: 'm-1', x: new Float32Array(4), n: 2 },
  latents: { modelId: 'm-1', limit: 100 },
  saveProjection: {
    modelId: 'm-1',
    weightsVersion: '0123456789abcdef',
    kind: 'umap3',
    n: 2,
    coords: new Float32Array(6),
  },
  items: { modelId: 'm-1', indices: Int32Array.from([0, 5, 9]), split: 'test' },
  decode: { modelId: 'm-1', z: new Float32Array(4), n: 2 },
  decoderWeights: { modelId: 'm-1' },
  decoderOnnx: { modelId: 'm-1' },
  setModelDataset: { modelId: 'm-1', dataset: { spec: 'mnist' } },
  samplePrior: { modelId: 'm-1', n: 4 },
  coverage: { modelId: 'm-1' },
  exportPng: { images: new Float32Array(2 * 4 * 4), n: 2, shape: [4, 4, 1] },
  exportNpy: { data: new Float32Array(6), shape: [2, 3] },
  saveSelection: { modelId: 'm-1', name: 'sevens', indices: Int32Array.from([3, 9, 12]) },
  listSelections: { modelId: 'm-1' },
  listVectors: { modelId: 'm-1' },
  saveVector: {
    modelId: 'm-1',
    name: 'smile',
    vector: Float32Array.from([0.5, -0.25, 0, 1]),
    base: Float32Array.from([0, 0, 0, 0]),
    sphere: false,
    auc: 0.9,
    from: { description: 'label 1', n: 10 },
    to: { description: 'label 7', n: 12 },
  },
  deleteVector: { modelId: 'm-1', name: 'smile' },
  uploadBegin: { kind: 'images', name: 'icons', totalBytes: 1024, entries: 2 },
  uploadChunk: { uploadId: 'up-1', entry: 'icons/a.png', offset: 0, bytes: new Uint8Array(4) },
  uploadFinish: { uploadId: 'up-1' },
  uploadCancel: { uploadId: 'up-1' },
  chooseFolder: {},
  chooseCheckpoint: { title: 'Pick' },
  chooseSavePath: { kind: 'png' },
};

/** Per request, payloads that must be refused, with a word the error must contain. */
export const invalidParams: Partial<Record<MethodName, [unknown, string][]>> = {
  describeDataset: [
    [{}, 'spec'],
    [{ spec: '' }, 'spec'],
    [{ spec: 'mnist', options: { size: 2 } }, 'options.size'],
    [{ spec: 'mnist', options: { channels: 2 } }, 'options.channels'],
    [{ spec: 'mnist', options: { limit: 0 } }, 'options.limit'],
    [{ spec: 'mnist', options: { colour: true } }, 'Unrecognized key'],
    [{ spec: 'mnist', preview: 33 }, 'preview'],
    [{ spec: 'mnist', preview: -1 }, 'preview'],
    [{ spec: 42 }, 'spec'],
  ],
  items: [
    [{ modelId: 'm-1', indices: [0, 1] }, 'indices: expected an Int32Array, got a plain array'],
    [{ modelId: 'm-1', indices: new Float32Array(2) }, 'got a Float32Array'],
    [{ modelId: 'm-1', indices: new Uint8Array(2) }, 'got a Uint8Array'],
    [{ modelId: 'm-1', indices: new Int32Array(0) }, 'indices: expected 1 to 1024 indices, got 0'],
    [{ modelId: 'm-1', indices: new Int32Array(1025) }, 'expected 1 to 1024 indices, got 1025'],
    [{ modelId: 'm-1', indices: Int32Array.from([3, -2]) }, 'indices[1] = -2 is negative'],
    [{ modelId: 'm-1', indices: Int32Array.from([0]), split: 'validation' }, 'split'],
    [{ modelId: '../m', indices: Int32Array.from([0]) }, 'modelId'],
    [{ indices: Int32Array.from([0]) }, 'modelId'],
    [{ modelId: 'm-1' }, 'indices'],
  ],
  importFolderDataset: [
    [{ path: '' }, 'path'],
    [{ path: '/x', channels: 2 }, 'channels'],
    [{ path: '/x', size: 2 }, 'size'],
  ],
  startTraining: [
    [
      { ...validParams.startTraining, model: { ...model, latent: { kind: 'Torus!', dim: 2 } } },
      'model.latent.kind',
    ],
    [{ ...validParams.startTraining, train: { epochs: 0 } }, 'train.epochs'],
    [{ ...validParams.startTraining, dataset: { spec: '' } }, 'dataset.spec'],
    [{ ...validParams.startTraining, latentLimit: 70_001 }, 'latentLimit'],
    [{ model, train: { epochs: 1 } }, 'dataset'],
  ],
  continueTraining: [[{ modelId: 'm-1', epochs: -1 }, 'epochs']],
  pauseTraining: [
    [{ jobId: '../etc' }, 'jobId'],
    [{ jobId: 7 }, 'jobId'],
  ],
  openModel: [
    [{ modelId: '../../secret' }, 'modelId'],
    [{ modelId: '.hidden' }, 'modelId'],
    [{}, 'modelId'],
  ],
  renameModel: [[{ modelId: 'm-1', name: '   ' }, 'name']],
  encode: [
    [{ modelId: 'm-1', x: [0, 0, 0, 0], n: 2 }, 'plain array'],
    [{ modelId: 'm-1', x: new Float32Array(5), n: 2 }, 'whole number of rows'],
  ],
  decode: [
    [{ modelId: 'm-1', z: [0.1, 0.2], n: 1 }, 'expected a Float32Array, got a plain array'],
    [{ modelId: 'm-1', z: new Float64Array(2), n: 1 }, 'got a Float64Array'],
    [{ modelId: 'm-1', z: new Uint8Array(2), n: 1 }, 'got a Uint8Array'],
    [{ modelId: 'm-1', z: new Float32Array(3), n: 2 }, 'whole number of rows'],
    [{ modelId: 'm-1', z: new Float32Array(0), n: 1 }, 'z'],
    [{ modelId: 'm-1', z: new Float32Array(2), n: 0 }, 'n'],
    [{ modelId: 'm-1', z: new Float32Array(2), n: 1.5 }, 'n'],
    [{ modelId: 'm-1', z: new Float32Array(20_002), n: 10_001 }, 'n'],
  ],
  setModelDataset: [
    [{ modelId: 'm-1' }, 'dataset'],
    [{ modelId: 'm-1', dataset: { spec: '' } }, 'dataset.spec'],
  ],
  decoderOnnx: [
    [{}, 'modelId'],
    [{ modelId: '../m-1' }, 'modelId'],
  ],
  decoderWeights: [
    [{}, 'modelId'],
    [{ modelId: '../m-1' }, 'modelId'],
    [{ modelId: 7 }, 'modelId'],
    [{ modelId: 'm-1', layers: [] }, 'Unrecognized key: "layers"'],
  ],
  samplePrior: [[{ modelId: 'm-1', n: 4, seed: -1 }, 'seed']],
  exportPng: [
    [{ images: new Float32Array(10), n: 2, shape: [4, 4, 1] }, 'does not match shape'],
    [{ images: new Float32Array(32), n: 2, shape: [4, 4, 2] }, 'shape'],
    [{ images: new Float32Array(32), n: 2, shape: [4, 4, 1], scale: 99 }, 'scale'],
  ],
  exportNpy: [
    [{ data: new Float32Array(5), shape: [2, 3] }, 'does not match shape'],
    [{ data: new Float32Array(6), shape: [] }, 'shape'],
  ],
  saveSelection: [
    [{ modelId: 'm-1', name: '../x', indices: Int32Array.from([1]) }, 'name'],
    [{ modelId: 'm-1', name: 'a/b', indices: Int32Array.from([1]) }, 'name'],
    [{ modelId: 'm-1', name: 'a.b', indices: Int32Array.from([1]) }, 'no path separators or dots'],
    [{ modelId: 'm-1', name: '', indices: Int32Array.from([1]) }, 'name'],
    [{ modelId: 'm-1', name: 'ok', indices: new Int32Array(0) }, 'expected 1 to'],
    [
      { modelId: 'm-1', name: 'ok', indices: Int32Array.from([2, -1]) },
      'indices[1] = -1 is negative',
    ],
    [{ modelId: 'm-1', name: 'ok', indices: [1, 2] }, 'plain array'],
    [{ modelId: 'm-1', name: 'ok', indices: Int32Array.from([1]), split: 'val' }, 'split'],
    [{ modelId: '../m', name: 'ok', indices: Int32Array.from([1]) }, 'modelId'],
  ],
  listSelections: [[{ modelId: '../m' }, 'modelId']],
  saveVector: [
    [
      {
        modelId: 'm-1',
        name: 'a.b',
        vector: Float32Array.from([1]),
        base: Float32Array.from([0]),
        sphere: false,
        auc: 0.5,
        from: { description: 'a', n: 1 },
        to: { description: 'b', n: 1 },
      },
      'no path separators or dots',
    ],
    [
      {
        modelId: 'm-1',
        name: 'v',
        vector: Float32Array.from([1, 2]),
        base: Float32Array.from([0]),
        sphere: false,
        auc: 0.5,
        from: { description: 'a', n: 1 },
        to: { description: 'b', n: 1 },
      },
      'base has 1 coordinates, not 2',
    ],
    [
      {
        modelId: 'm-1',
        name: 'v',
        vector: Float32Array.from([1]),
        base: Float32Array.from([0]),
        sphere: false,
        auc: 1.5,
        from: { description: 'a', n: 1 },
        to: { description: 'b', n: 1 },
      },
      'auc',
    ],
  ],
  deleteVector: [[{ modelId: 'm-1', name: '../v' }, 'name']],
  chooseSavePath: [[{ kind: 'exe' }, 'kind']],
  uploadBegin: [
    [{ kind: 'binary', name: 'x', totalBytes: 1 }, 'kind'],
    [{ kind: 'images', name: 'x', totalBytes: 0 }, 'totalBytes'],
  ],
  uploadChunk: [
    [{ uploadId: 'up-1', entry: '../evil.png', offset: 0, bytes: new Uint8Array(1) }, 'entry'],
    [{ uploadId: 'up-1', entry: '/etc/passwd', offset: 0, bytes: new Uint8Array(1) }, 'entry'],
    [{ uploadId: 'up-1', entry: 'a.png', offset: 0, bytes: [1, 2] }, 'plain array'],
    [
      { uploadId: 'up-1', entry: 'a.png', offset: 0, bytes: new Uint8Array(8 * 1024 * 1024 + 1) },
      'at most',
    ],
  ],
};

const job = { jobId: 'job-1', modelId: 'm-1' };
const jobInfo = {
  ...job,
  name: 'n',
  state: 'running',
  epoch: 0,
  epochs: 2,
  startedAt: '2025-01-01T00:00:00Z',
};

export const validEvents: Record<EventName, Record<string, unknown>> = {
  trainingStep: { ...job, epoch: 1, step: 3, loss: 0.5 },
  trainingEpoch: {
    ...job,
    epoch: 1,
    epochs: 2,
    train: { loss: 1, reconstruction: 0.9, kl: 0.1 },
    test: { elbo: -1, reconstruction: 0.9, kl: 0.1 },
    seconds: 1,
    samplesPerSecond: 100,
  },
  trainingLatents: {
    ...job,
    epoch: 1,
    means: new Float32Array(4),
    n: 2,
    dim: 2,
    labels: new Int32Array(2),
    labelNames: ['a', 'b'],
    indices: Int32Array.from([4, 7]),
    split: 'all',
    errors: Float32Array.from([80.5, 91.25]),
  },
  jobChanged: { job: jobInfo },
  trainingError: { ...job, message: 'killed', lastEpoch: 1, resumable: true },
  hostError: { role: 'inference', message: 'crashed' },
  modelsChanged: { modelIds: ['m-1'] },
  weightsChanged: { modelId: 'm-1' },
};

export const invalidEvents: [EventName, unknown, string][] = [
  ['trainingStep', { ...job, epoch: 1, step: 3 }, 'loss'],
  ['trainingStep', { ...job, epoch: 0, step: 3, loss: 1 }, 'epoch'],
  ['trainingLatents', { ...validEvents.trainingLatents, means: [0, 0, 0, 0] }, 'means'],
  ['trainingLatents', { ...validEvents.trainingLatents, labels: [0, 1] }, 'labels'],
  ['trainingLatents', { ...validEvents.trainingLatents, errors: [1, 2] }, 'errors'],
  [
    'trainingLatents',
    { ...validEvents.trainingLatents, errors: new Float32Array(3) },
    'errors: length 3 does not match n = 2',
  ],
  [
    'trainingLatents',
    { ...validEvents.trainingLatents, indices: Int32Array.from([1]) },
    'indices: length 1 does not match n = 2',
  ],
  [
    'trainingLatents',
    { ...validEvents.trainingLatents, indices: new Float32Array(2) },
    'indices: expected an Int32Array, got a Float32Array',
  ],
  [
    'trainingLatents',
    { ...validEvents.trainingLatents, means: new Float32Array(6) },
    'means: length 6 does not match n = 2 × dim = 2',
  ],
  ['trainingLatents', { ...validEvents.trainingLatents, split: 'validation' }, 'split'],
  ['trainingLatents', { ...validEvents.trainingLatents, indices: undefined }, 'indices'],
  ['jobChanged', { job: { ...jobInfo, state: 'exploded' } }, 'job.state'],
  ['trainingError', { ...job, message: 'x', resumable: true }, 'lastEpoch'],
  ['hostError', { role: 'gpu', message: 'x' }, 'role'],
  ['modelsChanged', { modelIds: ['../x'] }, 'modelIds'],
  ['weightsChanged', {}, 'modelId'],
  ['weightsChanged', { modelId: '../x' }, 'modelId'],
];

/** A valid `decoderWeights` reply: 2 → 3 (ReLU) → 4 logits, images [2, 2, 1]. */
export function validDecoderWeights() {
  return {
    layers: [
      {
        kernel: new Float32Array(6),
        bias: new Float32Array(3),
        inputs: 2,
        units: 3,
        activation: 'relu',
      },
      {
        kernel: new Float32Array(12),
        bias: new Float32Array(4),
        inputs: 3,
        units: 4,
        activation: 'linear',
      },
    ],
    output: 'logits',
    shape: [2, 2, 1],
  };
}
