import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelConfig } from '../../shared/config';
import type { LatentModel } from '../model/latent-model';
import type { Vae } from '../model/model';
import { openOnnx, onnxFiles } from '../onnx/onnx-open';
import { isEmbeddingDir, openEmbedding } from '../embedding/open';
import type { OnnxSidecarInput } from '../../shared/onnx-sidecar';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  loadCheckpoint,
  type CheckpointManifest,
  type LoadOptions,
} from './checkpoint';

/** The formats a model in the library can have. */
export type ModelFormat = 'atlas' | 'stock' | 'onnx' | 'embedding';

/** A model opened for inference, whatever its format. */
export interface OpenedModel {
  model: LatentModel;
  /** The TensorFlow.js model behind `model` (ours or stock), for what needs its layers. */
  vae: Vae | null;
  manifest: CheckpointManifest;
  /**
   * `atlas`: our own checkpoint; `stock`: a TensorFlow.js layers model; `onnx`: ONNX files;
   * `embedding`: imported vectors without nets (engine/embedding).
   */
  kind: ModelFormat;
  warnings: string[];
  tidied: string[];
}

export interface OpenOptions extends LoadOptions {
  /** What an ONNX model's atlas.json would state (the CLI's --prior, --output, …). */
  onnx?: OnnxSidecarInput;
}

/**
 * Opens a checkpoint folder, a stock TensorFlow.js model, an ONNX model (a decoder `.onnx`
 * file, or a folder with `decoder.onnx` and optionally `encoder.onnx` and `atlas.json`), or an
 * imported embedding (a folder with `embedding.json`).
 */
export async function openModel(target: string, options: OpenOptions = {}): Promise<OpenedModel> {
  target = path.resolve(target);
  if (isEmbeddingDir(target)) {
    const { model, manifest } = await openEmbedding(target);
    return { model, vae: null, manifest, kind: 'embedding', warnings: [], tidied: [] };
  }
  const files = onnxFiles(target);
  if (!files) {
    const loaded = await loadCheckpoint(target, options);
    return { ...loaded, model: loaded.vae, vae: loaded.vae };
  }
  const { model, warnings, sidecar } = await openOnnx(files, options.onnx ?? {});
  // The export's own time, so the library orders it among the others the same way every time.
  const made = (await stat(files.decoder)).mtime.toISOString();
  const config: ModelConfig = model.config;
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    name: path.basename(target).replace(/\.onnx$/i, ''),
    createdAt: made,
    updatedAt: made,
    model: config,
    decoderOutput: 'logits',
    dataset: sidecar.dataset
      ? {
          spec: sidecar.dataset,
          options: sidecar.datasetOptions ?? folderSize(sidecar.dataset, model.imageShape),
          name: sidecar.dataset,
          itemShape: [...model.imageShape],
        }
      : null,
    imageShape: [...model.imageShape],
    train: null,
    state: { epoch: 0, step: 0 },
    history: [],
    backend: `onnxruntime-node (${model.parts.provider})`,
    metrics: {},
    hasOptimizer: false,
    hasPrior: false,
    hasFlow: false,
  };
  return { model, vae: null, manifest, kind: 'onnx', warnings, tidied: [] };
}

/** A folder of images is read at the model's image size (other datasets have theirs). */
function folderSize(spec: string, [h, w, c]: number[]): Record<string, number> {
  return spec.startsWith('folder:') && h === w ? { size: h, channels: c } : {};
}
