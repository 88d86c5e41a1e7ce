import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { tf } from '../tf';
import { ModelConfig, TrainConfig, type ObjectiveConfig } from '../../shared/config';
import { Vae } from '../model/model';
import type { EpochSummary, NamedTensor, Trainer, TrainerState } from '../training/train';
import { captureArtifacts, hasModelJson, modelFiles, readModelArtifacts } from './layers-io';
import { backendReport } from '../backend';
import { settleLeftovers, whileSaving } from './checkpoint-leftovers';
import { degenerateWeights } from '../model/weight-health';
import { KEPT_ACROSS_SAVES } from './checkpoint-folders';

/**
 * A checkpoint is a directory:
 *   manifest.json            format version, model config, dataset, history, backend, dates, metrics
 *   encoder/model.json, weights.bin    standard TensorFlow.js layers model
 *   decoder/model.json, weights.bin
 *   optimizer/tensors.json, tensors.bin  Adam's slots, so training resumes where it stopped
 *   prior/tensors.json, tensors.bin      learnable prior parameters (mixture), when any
 * Saves are atomic: everything is written to a sibling directory, then swapped in by rename
 * (checkpoint-leftovers.ts tidies what a killed save leaves). Inference reads everything but
 * `optimizer/`: only resuming needs Adam's state, so a damaged one never blocks sampling.
 */
export const CHECKPOINT_FORMAT = 'latent-atlas-checkpoint';
export const CHECKPOINT_VERSION = 1;

const HistoryEntry = z
  .object({
    epoch: z.number(),
    step: z.number(),
    // Null for a deterministic encoder (no q(z|x), so no ELBO).
    test: z.object({ elbo: z.number().nullable() }).passthrough(),
  })
  .passthrough();

export const CheckpointManifest = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  formatVersion: z.number().int(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  model: ModelConfig,
  decoderOutput: z.enum(['logits', 'probabilities']).default('logits'),
  dataset: z
    .object({
      spec: z.string(),
      options: z.record(z.string(), z.unknown()),
      name: z.string(),
      itemShape: z.array(z.number().int()),
    })
    .nullable(),
  /** Shape of one decoded item, [h, w, c] for images. */
  imageShape: z.array(z.number().int().min(1)),
  train: TrainConfig.nullable(),
  state: z.object({ epoch: z.number().int().min(0), step: z.number().int().min(0) }),
  history: z.array(HistoryEntry),
  backend: z.string(),
  metrics: z.record(z.string(), z.number().nullable()),
  hasOptimizer: z.boolean(),
  hasPrior: z.boolean(),
  /** The posterior flow's shared weights are in `flow/` (IAF's autoregressive nets). */
  hasFlow: z.boolean().default(false),
  /** A prior fitted to the codes after training (e.g. the RAE's Gaussian mixture), as JSON. */
  fittedPrior: z.unknown().optional(),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifest>;

export interface SaveOptions {
  vae: Vae;
  /** Supplies epoch, step, history and optimizer state. */
  trainer?: Trainer;
  dataset?: { spec: string; options: Record<string, unknown>; name: string; itemShape: number[] };
  name?: string;
  metrics?: Record<string, number | null>;
  /** Leave Adam's state out (a smaller checkpoint; continuing starts a fresh optimiser). */
  withoutOptimizer?: boolean;
  /** A new model replacing whatever `dir` held: its creation date is now, not the old one's. */
  fresh?: boolean;
}

export interface LoadedCheckpoint {
  vae: Vae;
  manifest: CheckpointManifest;
  /** `atlas`: our own format; `stock`: a bare TensorFlow.js layers model folder. */
  kind: 'atlas' | 'stock';
  /** Where to continue training from (atlas checkpoints); Adam's state only with `optimizer`. */
  resume?: TrainerState;
  /** Things the user should know that do not stop the load (degenerate weights), one line each. */
  warnings: string[];
  /** Leftovers of interrupted saves that loading put back or removed, one line each. */
  tidied: string[];
}

export interface LoadOptions {
  /**
   * Read Adam's state too, to resume training. A checkpoint saved with it whose `optimizer/` is
   * missing or damaged then throws an OptimizerStateError; one saved without it loads without.
   */
  optimizer?: boolean;
  /** Replaces the saved β schedule (weight, warm-up, free bits): these may change on resume. */
  objective?: Partial<Pick<ObjectiveConfig, 'weight' | 'warmupSteps' | 'freeBits'>>;
}

/** The saved optimizer state cannot be used; the model itself is fine. */
export class OptimizerStateError extends Error {}

/** Tensors in a simple named group: a JSON spec list and one binary file. */
async function tensorGroupFiles(tensors: NamedTensor[]): Promise<Map<string, Uint8Array | string>> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return new Map<string, Uint8Array | string>([
    ['tensors.json', JSON.stringify(specs)],
    ['tensors.bin', new Uint8Array(data as ArrayBuffer)],
  ]);
}

async function readTensorGroup(dir: string): Promise<NamedTensor[]> {
  const specsPath = path.join(dir, 'tensors.json');
  const binPath = path.join(dir, 'tensors.bin');
  for (const f of [specsPath, binPath]) if (!existsSync(f)) throw new Error(`${f}: missing`);
  let specs: tf.io.WeightsManifestEntry[];
  try {
    specs = JSON.parse(await readFile(specsPath, 'utf8'));
  } catch (err) {
    throw new Error(`${specsPath}: not valid JSON (${(err as Error).message})`);
  }
  const bytes = await readFile(binPath);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${binPath}: ${bytes.byteLength} bytes, but ${specsPath} describes ${expected}: truncated or corrupt`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const map = tf.io.decodeWeights(buffer, specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}

async function writeFileSynced(file: string, content: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeGroup(dir: string, files: Map<string, Uint8Array | string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of files) await writeFileSynced(path.join(dir, name), content);
}

/** Writes the checkpoint atomically: the previous one stays intact until the new one is complete. */
export async function saveCheckpoint(
  dir: string,
  options: SaveOptions,
): Promise<CheckpointManifest> {
  if (!options.vae.encoder)
    throw new Error('saving needs an encoder; this model has only a decoder');
  dir = path.resolve(dir);
  await mkdir(path.dirname(dir), { recursive: true });
  return whileSaving(dir, () => save(dir, options));
}

async function save(dir: string, options: SaveOptions): Promise<CheckpointManifest> {
  const { vae, trainer } = options;
  if (!vae.encoder) throw new Error('saving needs an encoder; this model has only a decoder');
  await settleLeftovers(dir, { fromSave: true });
  let createdAt = new Date().toISOString();
  try {
    if (options.fresh) throw new Error('a new model');
    createdAt =
      JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')).createdAt ?? createdAt;
  } catch {
    /* a new checkpoint */
  }
  const optimizerWeights =
    trainer && !options.withoutOptimizer ? await trainer.optimizerWeights() : [];
  const priorVars = vae.geometry.variables.map((v, i) => ({
    name: `prior_${i}`,
    tensor: v as tf.Tensor,
  }));
  const flowVars = (vae.flow?.variables ?? []).map((v, i) => ({
    name: `flow_${i}`,
    tensor: v as tf.Tensor,
  }));
  const last = trainer?.history.at(-1);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    name: options.name ?? path.basename(dir),
    createdAt,
    updatedAt: new Date().toISOString(),
    model: vae.config,
    decoderOutput: vae.decoderOutput,
    dataset: options.dataset ?? null,
    imageShape: vae.config.inputShape,
    train: trainer?.config ?? null,
    state: { epoch: trainer?.epoch ?? 0, step: trainer?.step ?? 0 },
    history: (trainer?.history ?? []) as unknown as CheckpointManifest['history'],
    backend: backendReport()?.backend ?? tf.getBackend(),
    metrics: {
      ...(last
        ? {
            test_elbo: last.test.elbo,
            test_reconstruction: last.test.reconstruction,
            test_kl: last.test.kl,
            samples_per_second: last.samplesPerSecond,
          }
        : {}),
      ...options.metrics,
    },
    hasOptimizer: optimizerWeights.length > 0,
    hasPrior: priorVars.length > 0,
    hasFlow: flowVars.length > 0,
    ...(vae.fittedPrior
      ? { fittedPrior: (vae.fittedPrior as { toJSON?: () => unknown }).toJSON?.() }
      : {}),
  };

  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const tmp = path.join(parent, `${base}.saving-${process.pid}-${Date.now()}`);
  await writeGroup(path.join(tmp, 'encoder'), modelFiles(await captureArtifacts(vae.encoder)));
  await writeGroup(path.join(tmp, 'decoder'), modelFiles(await captureArtifacts(vae.decoder)));
  if (optimizerWeights.length > 0)
    await writeGroup(path.join(tmp, 'optimizer'), await tensorGroupFiles(optimizerWeights));
  if (priorVars.length > 0)
    await writeGroup(path.join(tmp, 'prior'), await tensorGroupFiles(priorVars));
  if (flowVars.length > 0)
    await writeGroup(path.join(tmp, 'flow'), await tensorGroupFiles(flowVars));
  // The manifest goes last: a directory with a manifest is complete.
  await writeFileSynced(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));

  if (existsSync(dir)) {
    // What people made of the model (saved attribute vectors, selections) outlives new weights.
    for (const kept of KEPT_ACROSS_SAVES) {
      const from = path.join(dir, kept);
      if (existsSync(from)) await cp(from, path.join(tmp, kept), { recursive: true });
    }
    const previous = path.join(parent, `${base}.previous-${process.pid}-${Date.now()}`);
    await rename(dir, previous);
    await rename(tmp, dir);
    await rm(previous, { recursive: true, force: true });
  } else {
    await rename(tmp, dir);
  }
  return manifest;
}

/** The manifest of the checkpoint in `dir`, validated, without loading any weights. */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  dir = path.resolve(dir);
  await settleLeftovers(dir);
  return readManifest(path.join(dir, 'manifest.json'));
}

async function readManifest(file: string): Promise<CheckpointManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const header = raw as { format?: unknown; formatVersion?: unknown };
  if (header?.format !== CHECKPOINT_FORMAT)
    throw new Error(`${file}: not a Latent Atlas checkpoint manifest`);
  if (header.formatVersion !== CHECKPOINT_VERSION) {
    throw new Error(
      `${file}: format version ${String(header.formatVersion)} is not supported (this build reads version ${CHECKPOINT_VERSION})`,
    );
  }
  const parsed = CheckpointManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: invalid manifest at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Sets `model`'s weights from saved artifacts, checking names, count and shapes. */
function assignWeights(model: tf.LayersModel, artifacts: tf.io.ModelArtifacts, file: string): void {
  const specs = artifacts.weightSpecs ?? [];
  const expected = model.weights;
  if (specs.length !== expected.length) {
    throw new Error(
      `${file}: holds ${specs.length} weight tensors, the model config needs ${expected.length}`,
    );
  }
  const decoded = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  const values = specs.map((spec, i) => {
    const want = expected[i].shape;
    if (spec.shape.join(',') !== want.join(',')) {
      throw new Error(
        `${file}: weight ${spec.name} has shape [${spec.shape.join(', ')}], the model config expects [${want.join(', ')}]`,
      );
    }
    const tensor = decoded[spec.name];
    if (tensor.dtype === 'float32' && !tf.tidy(() => tf.all(tf.isFinite(tensor)).dataSync()[0])) {
      throw new Error(`${file}: weight ${spec.name} contains NaN or Inf values`);
    }
    return tensor;
  });
  model.setWeights(values);
  values.forEach((v) => v.dispose());
}

/**
 * Loads a Latent Atlas checkpoint, or a stock TensorFlow.js layers model folder: a decoder alone
 * (`model.json` in the folder) or `encoder/` and `decoder/` subfolders. Everything is validated
 * and errors name the file at fault.
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadOptions = {},
): Promise<LoadedCheckpoint> {
  dir = path.resolve(dir);
  const tidied = await settleLeftovers(dir);
  if (!existsSync(dir)) throw new Error(`${dir}: no such checkpoint directory`);
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return { ...(await loadStock(dir)), tidied };

  const manifest = await readManifest(manifestPath);
  if (options.objective) {
    manifest.model = {
      ...manifest.model,
      objective: { ...manifest.model.objective, ...options.objective },
    };
  }
  const vae = Vae.create(manifest.model);
  try {
    const warnings: string[] = [];
    for (const part of ['encoder', 'decoder'] as const) {
      const partDir = path.join(dir, part);
      const artifacts = await readModelArtifacts(partDir);
      const file = path.join(partDir, 'model.json');
      assignWeights(vae[part]!, artifacts, file);
      warnings.push(...degenerateWeights(vae[part]!, file));
    }
    if (manifest.hasFlow) {
      const stored = await readTensorGroup(path.join(dir, 'flow'));
      const vars = vae.flow?.variables ?? [];
      if (stored.length !== vars.length)
        throw new Error(
          `${path.join(dir, 'flow')}: ${stored.length} flow tensors, the ${manifest.model.flow?.kind ?? 'missing'} flow has ${vars.length}`,
        );
      stored.forEach((p, i) => {
        if (p.tensor.shape.join() !== vars[i].shape.join())
          throw new Error(
            `${path.join(dir, 'flow')}: tensor ${i} has shape [${p.tensor.shape.join(', ')}], expected [${vars[i].shape.join(', ')}]`,
          );
        vars[i].assign(p.tensor);
        p.tensor.dispose();
      });
    }
    if (manifest.hasPrior) {
      const prior = await readTensorGroup(path.join(dir, 'prior'));
      const vars = vae.geometry.variables;
      if (prior.length !== vars.length)
        throw new Error(`${path.join(dir, 'prior')}: wrong number of prior tensors`);
      prior.forEach((p, i) => {
        vars[i].assign(p.tensor);
        p.tensor.dispose();
      });
    }
    if (manifest.fittedPrior !== undefined) {
      if (!vae.objective.restorePrior)
        throw new Error(
          `${manifestPath}: a fitted prior is stored, but the ${manifest.model.objective.kind} objective has none`,
        );
      try {
        vae.fittedPrior = vae.objective.restorePrior(manifest.fittedPrior);
      } catch (err) {
        throw new Error(`${manifestPath}: fittedPrior: ${(err as Error).message}`);
      }
    }
    const optimizerWeights =
      options.optimizer && manifest.hasOptimizer
        ? await readOptimizerState(path.join(dir, 'optimizer'), vae)
        : undefined;
    return {
      vae,
      manifest,
      kind: 'atlas',
      resume: {
        epoch: manifest.state.epoch,
        step: manifest.state.step,
        history: manifest.history as unknown as EpochSummary[],
        ...(optimizerWeights ? { optimizerWeights } : {}),
      },
      warnings,
      tidied,
    };
  } catch (err) {
    vae.dispose();
    throw err;
  }
}

/** Adam's slots for `vae`: iterations, then m and v per trainable variable, shapes checked. */
async function readOptimizerState(dir: string, vae: Vae): Promise<NamedTensor[]> {
  let weights: NamedTensor[];
  try {
    weights = await readTensorGroup(dir);
  } catch (err) {
    throw new OptimizerStateError((err as Error).message);
  }
  const vars = vae.trainableVariables();
  const problem =
    weights.length !== 1 + 2 * vars.length
      ? `holds ${weights.length} tensors; this model needs ${1 + 2 * vars.length}`
      : weights
          .slice(1)
          .map((w, i) => {
            const want = vars[i % vars.length].shape; // all m, then all v
            return w.tensor.shape.join(',') === want.join(',')
              ? null
              : `${w.name} has shape [${w.tensor.shape.join(', ')}], expected [${want.join(', ')}]`;
          })
          .find((p) => p !== null);
  if (problem) {
    weights.forEach((w) => w.tensor.dispose());
    throw new OptimizerStateError(`${path.join(dir, 'tensors.json')}: ${problem}`);
  }
  return weights;
}

async function loadLayers(dir: string): Promise<tf.LayersModel> {
  const artifacts = await readModelArtifacts(dir);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new Error(
      `${path.join(dir, 'model.json')}: cannot build the model: ${(err as Error).message}`,
    );
  }
}

/** Image shape from a decoder's output: [h, w, c] as is; a flat [D] as a square gray or RGB image. */
function inferImageShape(shape: (number | null)[], file: string): number[] {
  const dims = shape.slice(1) as number[];
  if (dims.some((d) => d === null))
    throw new Error(`${file}: decoder output shape [${shape}] has unknown dimensions`);
  if (dims.length === 3) return dims;
  if (dims.length === 2) return [...dims, 1];
  if (dims.length === 1) {
    const [n] = dims;
    const gray = Math.round(Math.sqrt(n));
    if (gray * gray === n) return [gray, gray, 1];
    const rgb = Math.round(Math.sqrt(n / 3));
    if (rgb * rgb * 3 === n) return [rgb, rgb, 3];
    return [n];
  }
  throw new Error(`${file}: cannot read an image shape from decoder output [${shape}]`);
}

/** Layers that pass values through unchanged at inference time. */
const PASS_THROUGH = new Set(['Reshape', 'Flatten', 'Dropout', 'GaussianNoise', 'GaussianDropout']);

/** The activation that produces the decoder's output, looking through trailing reshapes. */
function finalActivation(decoder: tf.LayersModel): string {
  for (let i = decoder.layers.length - 1; i >= 0; i--) {
    const layer = decoder.layers[i];
    if (PASS_THROUGH.has(layer.getClassName())) continue;
    return String((layer.getConfig() as { activation?: string }).activation ?? 'linear');
  }
  return 'linear';
}

async function loadStock(dir: string): Promise<Omit<LoadedCheckpoint, 'tidied'>> {
  const split =
    existsSync(path.join(dir, 'decoder')) && (await hasModelJson(path.join(dir, 'decoder')));
  if (!split && !(await hasModelJson(dir))) {
    throw new Error(
      `${dir}: not a checkpoint: no manifest.json, no model.json, no decoder/model.json (a stock TensorFlow.js model needs model.json)`,
    );
  }
  const decoderDir = split ? path.join(dir, 'decoder') : dir;
  const decoder = await loadLayers(decoderDir);
  const file = path.join(decoderDir, 'model.json');
  const inShape = decoder.inputs[0].shape;
  if (inShape.length !== 2 || !inShape[1]) {
    throw new Error(`${file}: decoder input shape [${inShape}] is not a latent vector [batch, d]`);
  }
  const latentDim = inShape[1];
  const imageShape = inferImageShape(decoder.outputs[0].shape, file);
  const decoderOutput = finalActivation(decoder) === 'sigmoid' ? 'probabilities' : 'logits';
  let encoder: tf.LayersModel | null = null;
  if (split && existsSync(path.join(dir, 'encoder'))) {
    encoder = await loadLayers(path.join(dir, 'encoder'));
    const head = encoder.outputs[0].shape[1];
    if (head !== 2 * latentDim) {
      throw new Error(
        `${path.join(dir, 'encoder', 'model.json')}: encoder head has ${head} outputs; a Gaussian latent of size ${latentDim} needs ${2 * latentDim} (mean and log-variance)`,
      );
    }
  }
  const config = ModelConfig.parse({
    inputShape: imageShape,
    latent: { kind: 'gaussian', dim: latentDim },
    objective: { kind: 'kl', weight: 1 },
    net: { kind: 'mlp' },
    likelihood: 'bernoulli',
  });
  const vae = new Vae({ config, encoder, decoder, decoderOutput });
  const now = new Date().toISOString();
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    name: path.basename(dir),
    createdAt: now,
    updatedAt: now,
    model: config,
    decoderOutput,
    dataset: null,
    imageShape,
    train: null,
    state: { epoch: 0, step: 0 },
    history: [],
    backend: tf.getBackend(),
    metrics: {},
    hasOptimizer: false,
    hasPrior: false,
    hasFlow: false,
  };
  const warnings = [
    ...(encoder ? degenerateWeights(encoder, path.join(dir, 'encoder', 'model.json')) : []),
    ...degenerateWeights(decoder, file),
  ];
  return { vae, manifest, kind: 'stock', warnings };
}
