import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointManifest } from '../../engine/io/checkpoint';
import type { ModelFormat } from '../../engine/io/open-model';
import { leftoverOf, settleLeftovers } from '../../engine/io/checkpoint-leftovers';
import { AtlasError } from '../../api/errors';
import {
  DatasetOptions,
  type DatasetDescriptor,
  type ModelDetail,
  type ModelInfo,
} from '../../api/records';
import { newModelId } from './ids';
import { isCheckpointDir, nameOnnxFiles } from './checkpoint-files';

import { removeLiveWeights } from '../training/live-weights';
import { readLibraryState, updateLibraryState, type LibraryState } from './library-state';
import type { LoadedModel, ModelCache } from '../inference/model-cache';

/**
 * The model library: a folder of checkpoint folders, one per model, named by the model's id.
 * Display names and demo marks live in the library state (library-state.ts).
 */

/** `<library>/<modelId>`, refusing anything that is not a plain child folder name. */
export function modelDir(libraryDir: string, modelId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelId) || modelId.includes('..')) {
    throw new AtlasError('invalid-params', `"${modelId}" is not a model id`);
  }
  return path.join(libraryDir, modelId);
}

const IN_PROGRESS = /\.(saving|previous)-\d+-\d+$/;

/** Where the library reports what it tidied: the engine host's stderr, which the app's log keeps. */
export type LibraryLog = (line: string) => void;
const stderrLog: LibraryLog = (line) => process.stderr.write(`latent-atlas: library: ${line}\n`);

/**
 * Puts back checkpoints whose save was killed between its two renames and removes the other
 * leftovers of killed saves, but only when the saving process is gone: a live one (a training
 * job) is mid-save and will finish it. Returns what it did, one line each, also sent to `log`.
 */
export async function tidyLeftovers(
  libraryDir: string,
  log: LibraryLog = stderrLog,
): Promise<string[]> {
  const bases = new Set(
    (await readdir(libraryDir))
      .map((name) => leftoverOf(name)?.base)
      .filter((b) => b !== undefined),
  );
  const done: string[] = [];
  for (const base of bases) {
    // This process never saves into the library: its own pid marks a live save elsewhere.
    const lines = await settleLeftovers(path.join(libraryDir, base), { ownPidAlive: true }).catch(
      (err: Error) => [`could not tidy the leftovers of ${base}: ${err.message}`],
    );
    done.push(...lines);
  }
  for (const line of done) log(line);
  return done;
}

async function readManifest(dir: string): Promise<CheckpointManifest | undefined> {
  try {
    return CheckpointManifest.parse(
      JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')),
    );
  } catch {
    return undefined;
  }
}

function descriptorOf(manifest: CheckpointManifest): DatasetDescriptor | null {
  if (!manifest.dataset) return null;
  const options = DatasetOptions.safeParse(
    Object.fromEntries(
      Object.entries(manifest.dataset.options).filter(([k]) =>
        ['limit', 'seed', 'size', 'channels'].includes(k),
      ),
    ),
  );
  return { spec: manifest.dataset.spec, options: options.success ? options.data : {} };
}

export function modelInfo(
  modelId: string,
  manifest: CheckpointManifest,
  state: LibraryState,
  format: ModelFormat = 'atlas',
): ModelInfo {
  const elbo = manifest.metrics.test_elbo;
  const recon = manifest.metrics.test_reconstruction;
  const { encoder, flow } = manifest.model;
  return {
    modelId,
    name: state.names[modelId] ?? manifest.name ?? modelId,
    createdAt: manifest.createdAt,
    updatedAt: manifest.updatedAt,
    epoch: manifest.state.epoch,
    inputShape: manifest.model.inputShape,
    latent: manifest.model.latent,
    objective: manifest.model.objective.kind,
    net: manifest.model.net.kind,
    format,
    dataset: descriptorOf(manifest),
    training: false,
    demo: state.demo.includes(modelId),
    testElbo: typeof elbo === 'number' && Number.isFinite(elbo) ? elbo : null,
    testReconstruction: typeof recon === 'number' && Number.isFinite(recon) ? recon : null,
    posterior:
      encoder === 'deterministic' ? 'deterministic' : flow ? `${flow.kind}:${flow.length}` : null,
  };
}

export function modelDetail(model: LoadedModel, state: LibraryState): ModelDetail {
  return {
    ...modelInfo(model.modelId, model.manifest, state, model.kind),
    config: model.manifest.model,
    hasEncoder: model.model.encoding !== null,
    ...(model.warnings?.length ? { warnings: model.warnings } : {}),
  };
}

/** Every model in the library, newest first. Stock models are loaded (once) to learn their shape. */
export async function listModels(
  libraryDir: string,
  cache: ModelCache,
  log: LibraryLog = stderrLog,
): Promise<ModelInfo[]> {
  await mkdir(libraryDir, { recursive: true });
  const state = await readLibraryState(libraryDir);
  await tidyLeftovers(libraryDir, log);
  const names = await readdir(libraryDir);
  const models: ModelInfo[] = [];
  for (const name of names) {
    if (name.startsWith('.') || IN_PROGRESS.test(name)) continue;
    const dir = path.join(libraryDir, name);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory() || !isCheckpointDir(dir)) continue;
    const own = await readManifest(dir);
    if (own) {
      models.push(modelInfo(name, own, state));
      continue;
    }
    const loaded = await cache.get(name).catch(() => undefined);
    if (loaded) models.push(modelInfo(name, loaded.manifest, state, loaded.kind));
  }
  return models.sort(
    (a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.name.localeCompare(b.name),
  );
}

export async function renameModel(
  libraryDir: string,
  modelId: string,
  name: string,
): Promise<void> {
  if (!existsSync(modelDir(libraryDir, modelId)))
    throw new AtlasError('not-found', `no model "${modelId}" in the library`);
  await updateLibraryState(libraryDir, (state) => {
    state.names[modelId] = name;
  });
}

export async function deleteModel(libraryDir: string, modelId: string): Promise<void> {
  const dir = modelDir(libraryDir, modelId);
  if (!existsSync(dir)) throw new AtlasError('not-found', `no model "${modelId}" in the library`);
  // Move aside first so a half-deleted folder never looks like a model.
  const doomed = path.join(libraryDir, `.deleting-${modelId}-${Date.now()}`);
  await rename(dir, doomed);
  await rm(doomed, { recursive: true, force: true });
  await removeLiveWeights(libraryDir, modelId);
  await updateLibraryState(libraryDir, (state) => {
    delete state.names[modelId];
    state.demo = state.demo.filter((id) => id !== modelId);
  });
}

/** Copies a checkpoint folder into the library under a fresh id (the caller has checked it loads). */
export async function copyIntoLibrary(
  libraryDir: string,
  source: string,
  name: string,
  options: { demo?: boolean; sidecar?: Record<string, unknown> } = {},
): Promise<string> {
  const modelId = newModelId(name);
  const target = modelDir(libraryDir, modelId);
  const tmp = path.join(libraryDir, `.importing-${modelId}`);
  await mkdir(libraryDir, { recursive: true });
  if ((await stat(source)).isFile()) {
    // A lone ONNX decoder becomes a model folder of its own.
    await mkdir(tmp, { recursive: true });
    await cp(source, path.join(tmp, 'decoder.onnx'));
  } else {
    await cp(source, tmp, {
      recursive: true,
      filter: (src) => !IN_PROGRESS.test(path.basename(src)),
    });
    await nameOnnxFiles(tmp);
  }
  if (options.sidecar && Object.keys(options.sidecar).length > 0) {
    const file = path.join(tmp, 'atlas.json');
    const before = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
    await writeFile(file, JSON.stringify({ ...before, ...options.sidecar }, null, 2) + '\n');
  }
  await rename(tmp, target);
  await updateLibraryState(libraryDir, (state) => {
    state.names[modelId] = name;
    if (options.demo) state.demo.push(modelId);
  });
  return modelId;
}

/**
 * On first start (and when an update brings new ones), copies the bundled demo checkpoints into
 * the library. A missing or empty demo folder is fine: there is nothing to seed.
 */
export async function seedLibrary(libraryDir: string, demoDir: string | null): Promise<string[]> {
  await mkdir(libraryDir, { recursive: true });
  if (!demoDir || !existsSync(demoDir)) return [];
  const state = await readLibraryState(libraryDir);
  const seeded: string[] = [];
  for (const entry of (await readdir(demoDir)).sort()) {
    const source = path.join(demoDir, entry);
    if (state.seededDemos.includes(entry) || !isCheckpointDir(source)) continue;
    const name = (await readManifest(source))?.name ?? entry;
    seeded.push(await copyIntoLibrary(libraryDir, source, name, { demo: true }));
    await updateLibraryState(libraryDir, (s) => void s.seededDemos.push(entry));
  }
  return seeded;
}

/** Removes leftovers of interrupted imports and deletes. */
export async function tidyLibrary(libraryDir: string): Promise<void> {
  if (!existsSync(libraryDir)) return;
  for (const name of await readdir(libraryDir)) {
    if (/^\.(importing|deleting)-/.test(name))
      await rm(path.join(libraryDir, name), { recursive: true, force: true });
  }
}
