import path from 'node:path';
import type { Outcome } from '../../api/envelope';
import type { EventPayload, ParsedParams, Result } from '../../api/contract';
import { AtlasError } from '../../api/errors';
import type { InferenceMethod } from '../../api/host-protocol';
import type { EventName, MethodName } from '../../api/names';
import type { ModelInfo } from '../../api/records';
import { parseEvent, parseParams, parseResult } from '../../api/validate';
import { InferenceClient } from './inference-client';
import {
  modelFolder,
  readLatentCache,
  servesCheckpoint,
  writeUmapCache,
} from '../inference/latent-cache';
import { TrainingJobs } from '../training/jobs';
import type { HostLauncher } from './launcher';
import { DEFAULT_UPLOAD_LIMITS, UploadStore, type UploadLimits } from '../library/uploads';
import { appVersion } from '../library/version';
import { fasterBackendAdvice } from '../../engine/training/eta';

/** Native dialogs, where there are any (Electron main supplies them). */
export interface DialogProvider {
  chooseFolder(params: ParsedParams<'chooseFolder'>): Promise<Result<'chooseFolder'>>;
  chooseCheckpoint(params: ParsedParams<'chooseCheckpoint'>): Promise<Result<'chooseCheckpoint'>>;
  chooseSavePath(params: ParsedParams<'chooseSavePath'>): Promise<Result<'chooseSavePath'>>;
}

export interface SupervisorOptions {
  /** The model library: a folder of checkpoint folders. */
  libraryDir: string;
  /** Bundled demo checkpoints copied into the library on first start. */
  demoDir?: string | null;
  launcher: HostLauncher;
  transport: 'electron' | 'websocket' | 'direct';
  dialogs?: DialogProvider;
  /** Caps on uploads from the page (uploads.ts DEFAULT_UPLOAD_LIMITS when not given). */
  uploadLimits?: Partial<UploadLimits>;
}

type Listener = (event: EventName, payload: unknown) => void;
type Handler<M extends MethodName> = (params: ParsedParams<M>) => Promise<Result<M>>;

/**
 * The engine's front desk, in the process that answers the window (Electron main, or `serve`):
 * it validates each request against the contract, hands model work to the inference host and
 * training to one process per job, and fans events out. It never runs TensorFlow.js itself.
 */
export class Supervisor {
  readonly inference: InferenceClient;
  /** A second host for the long requests (latents, coverage), so decodes never queue behind them. */
  readonly batch: InferenceClient;
  readonly jobs: TrainingJobs;
  /** Files sent from the page on their way into the library. */
  readonly uploads: UploadStore;
  private readonly listeners = new Set<Listener>();
  private readonly handlers: { [M in MethodName]: Handler<M> };

  constructor(private readonly options: SupervisorOptions) {
    const libraryDir = path.resolve(options.libraryDir);
    const host = (label: string, chores: boolean) =>
      new InferenceClient(options.launcher, {
        libraryDir,
        demoDir: options.demoDir ? path.resolve(options.demoDir) : null,
        label,
        chores,
        onError: (message) => this.emit('hostError', { role: 'inference', message }),
      });
    this.inference = host('inference', true);
    this.uploads = new UploadStore(libraryDir, {
      ...DEFAULT_UPLOAD_LIMITS,
      ...options.uploadLimits,
    });
    this.batch = host('batch', false);
    const weightsChanged = (modelId: string) => {
      this.inference.refresh(modelId);
      this.batch.refresh(modelId);
      this.emit('weightsChanged', { modelId });
    };
    this.jobs = new TrainingJobs(options.launcher, {
      libraryDir,
      emit: (event, payload) => {
        this.emit(event, payload);
        // A job that ends drops its mid-epoch weights: decodes go back to its last checkpoint.
        const job = event === 'jobChanged' ? (payload as EventPayload<'jobChanged'>).job : null;
        if (job && ['completed', 'cancelled', 'failed'].includes(job.state))
          weightsChanged(job.modelId);
      },
      onCheckpoint: (modelId) => {
        weightsChanged(modelId);
        this.emit('modelsChanged', { modelIds: [modelId] });
      },
      onSnapshot: weightsChanged,
    });
    const forward =
      <M extends InferenceMethod>(method: M): Handler<M> =>
      (params) =>
        this.inference.request(method, params) as Promise<Result<M>>;
    // The batch host reads the library the inference host prepares: wait for that first.
    const batch =
      <M extends InferenceMethod>(method: M): Handler<M> =>
      async (params) => {
        await this.inference.backend();
        return this.batch.request(method, params) as Promise<Result<M>>;
      };
    const dialog =
      <M extends 'chooseFolder' | 'chooseCheckpoint' | 'chooseSavePath'>(method: M): Handler<M> =>
      (params) => {
        const provider = this.options.dialogs;
        if (!provider) {
          throw new AtlasError(
            'unavailable',
            'native file dialogs exist only in the desktop app; type a path instead',
          );
        }
        return provider[method](params as never) as Promise<Result<M>>;
      };

    this.handlers = {
      info: async () => {
        const backend = await this.inference.backend();
        return {
          version: appVersion(),
          transport: options.transport,
          backend,
          backendAdvice: {
            mlp: fasterBackendAdvice(backend, 'mlp'),
            conv: fasterBackendAdvice(backend, 'conv'),
          },
          libraryDir,
          dialogs: Boolean(options.dialogs),
        };
      },
      listDatasets: forward('listDatasets'),
      listModelParts: forward('listModelParts'),
      describeDataset: forward('describeDataset'),
      importFolderDataset: forward('importFolderDataset'),
      startTraining: async (params) => ({ job: this.jobs.start(params) }),
      continueTraining: async (params) => {
        const { model } = (await this.inference.request('openModel', {
          modelId: params.modelId,
        })) as Result<'openModel'>;
        if (!model.hasEncoder)
          throw new AtlasError(
            'refused',
            `model "${model.name}" has only a decoder and cannot be trained`,
          );
        return { job: this.jobs.continueFrom(params, model) };
      },
      pauseTraining: async ({ jobId }) => ({ job: await this.jobs.pause(jobId) }),
      resumeTraining: async ({ jobId }) => ({ job: await this.jobs.resume(jobId) }),
      cancelTraining: async ({ jobId }) => ({ job: await this.jobs.cancel(jobId) }),
      listJobs: async () => ({ jobs: this.jobs.list() }),
      listModels: async () => {
        const { models } = (await this.inference.request('listModels', {})) as Result<'listModels'>;
        return { models: this.markTraining(models) };
      },
      openModel: async (params) => {
        const { model } = (await this.inference.request(
          'openModel',
          params,
        )) as Result<'openModel'>;
        return { model: this.markTraining([model])[0] };
      },
      renameModel: async (params) => {
        const { model } = (await this.inference.request(
          'renameModel',
          params,
        )) as Result<'renameModel'>;
        this.jobs.rename(params.modelId, params.name);
        this.emit('modelsChanged', { modelIds: [params.modelId] });
        return { model: this.markTraining([model])[0] };
      },
      deleteModel: async (params) => {
        if (this.jobs.trainingModels().has(params.modelId)) {
          throw new AtlasError(
            'busy',
            `model "${params.modelId}" is being trained: cancel the job first`,
          );
        }
        const result = (await this.inference.request(
          'deleteModel',
          params,
        )) as Result<'deleteModel'>;
        this.emit('modelsChanged', { modelIds: [params.modelId] });
        return result;
      },
      importModel: async (params) => {
        const result = (await this.inference.request(
          'importModel',
          params,
        )) as Result<'importModel'>;
        this.emit('modelsChanged', { modelIds: [result.model.modelId] });
        return result;
      },
      setModelDataset: async (params) => {
        const result = (await this.inference.request(
          'setModelDataset',
          params,
        )) as Result<'setModelDataset'>;
        this.emit('modelsChanged', { modelIds: [params.modelId] });
        return result;
      },
      encode: forward('encode'),
      latents: async (params) => {
        // A hit needs no engine: the cloud is read from beside the checkpoint.
        if (params.cache && (await this.cacheable(params.modelId))) {
          const hit = await readLatentCache(
            modelFolder(libraryDir, params.modelId),
            params.limit,
            params.split,
          );
          if (hit) return { ...hit, source: 'cache' as const };
        }
        return batch('latents')(params);
      },
      saveProjection: async ({ modelId, weightsVersion, kind, split, coords, n }) => {
        if (!(await this.cacheable(modelId)))
          return { stored: false, reason: `model "${modelId}" is being trained` };
        return writeUmapCache(
          modelFolder(libraryDir, modelId),
          weightsVersion,
          split,
          coords,
          n,
          kind,
        );
      },
      items: forward('items'),
      decode: forward('decode'),
      decoderWeights: forward('decoderWeights'),
      decoderOnnx: forward('decoderOnnx'),
      samplePrior: forward('samplePrior'),
      coverage: batch('coverage'),
      exportPng: forward('exportPng'),
      exportNpy: forward('exportNpy'),
      saveSelection: forward('saveSelection'),
      listSelections: forward('listSelections'),
      deleteSelection: forward('deleteSelection'),
      listVectors: forward('listVectors'),
      listBookmarks: forward('listBookmarks'),
      saveBookmark: forward('saveBookmark'),
      deleteBookmark: forward('deleteBookmark'),
      saveVector: forward('saveVector'),
      deleteVector: forward('deleteVector'),
      readSelection: forward('readSelection'),
      uploadBegin: ({ kind, name, totalBytes, entries }) =>
        this.uploads.begin(kind, name, totalBytes, entries),
      uploadChunk: ({ uploadId, entry, offset, bytes }) =>
        this.uploads.chunk(uploadId, entry, offset, bytes),
      uploadFinish: async ({ uploadId }) => {
        const done = await this.uploads.finish(uploadId);
        if (done.kind === 'checkpoint') {
          try {
            const { model } = (await this.inference.request('importModel', {
              path: done.dir,
              name: done.name,
            })) as Result<'importModel'>;
            this.emit('modelsChanged', { modelIds: [model.modelId] });
            return { model };
          } catch (err) {
            // Name the upload, not the engine's scratch folder it was checked in.
            const error = AtlasError.from(err);
            throw new AtlasError(
              error.code,
              error.message
                .split(done.dir + path.sep)
                .join('')
                .split(done.dir)
                .join(`upload "${done.name}"`),
            );
          } finally {
            await this.uploads.discard(uploadId);
          }
        }
        try {
          const { dataset } = (await this.inference.request('importFolderDataset', {
            path: done.dir,
          })) as Result<'importFolderDataset'>;
          return { dataset, spec: dataset.spec };
        } catch (err) {
          await this.uploads.discard(uploadId, true);
          throw err;
        }
      },
      uploadCancel: async ({ uploadId }) => ({ cancelled: await this.uploads.cancel(uploadId) }),
      chooseFolder: dialog('chooseFolder'),
      chooseCheckpoint: dialog('chooseCheckpoint'),
      chooseSavePath: dialog('chooseSavePath'),
    };
  }

  /** Answers one request: validated params in, validated result (or a structured error) out. */
  invoke = async (method: MethodName, params: unknown): Promise<Outcome> => {
    try {
      const parsed = parseParams(method, params);
      const handler = this.handlers[method] as (p: unknown) => Promise<unknown>;
      return { ok: true, result: parseResult(method, await handler(parsed)) };
    } catch (err) {
      return { ok: false, error: AtlasError.from(err).toInfo() };
    }
  };

  /** Subscribes to one event. */
  subscribe = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    return this.onEvent((name, payload) => {
      if (name === event) listener(payload);
    });
  };

  /** Subscribes to every event (transports forward them all). */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  close(): void {
    this.uploads.close();
    this.jobs.close();
    this.inference.close();
    this.batch.close();
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    let checked: unknown;
    try {
      checked = parseEvent(event, payload);
    } catch (err) {
      if (event === 'hostError') return;
      this.emit('hostError', { role: 'train', message: (err as Error).message });
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(event, checked);
      } catch {
        /* one broken listener must not starve the others */
      }
    }
  }

  /** Whether the model's cloud may come from its cache: not while a job trains it. */
  private async cacheable(modelId: string): Promise<boolean> {
    if (this.jobs.trainingModels().has(modelId)) return false;
    return servesCheckpoint(path.resolve(this.options.libraryDir), modelId);
  }

  private markTraining<T extends ModelInfo>(models: T[]): T[] {
    const training = this.jobs.trainingModels();
    return models.map((m) => ({ ...m, training: training.has(m.modelId) }));
  }
}
