import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { encodeNpy, parseNpy, type NpyTypedArray } from '../../shared/maths/npy';
import type { DataSplit, LatentSnapshot } from '../../api/records';
import { AtlasError } from '../../api/errors';
import { currentLiveWeights } from '../training/live-weights';
import { KEPT_ACROSS_SAVES } from '../../engine/io/checkpoint-folders';

/**
 * The point cloud of a model, computed once per weights version and kept beside its checkpoint:
 *
 *   <model>/cache/latents-<version>-<split>.json        what the arrays hold (written last)
 *   <model>/cache/latents-<version>-<split>.npy         encoded means, float32 n × dim
 *   <model>/cache/latents-<version>-<split>.labels.npy  int32 n (when the data has labels)
 *   <model>/cache/latents-<version>-<split>.indices.npy int32 n
 *   <model>/cache/latents-<version>-<split>.errors.npy  float32 n
 *   <model>/cache/umap3-<version>-<split>.npy           float32 n × 3, a UMAP of those means
 *   <model>/cache/tsne3bh-<version>-<split>.npy         float32 n × 3, a t-SNE of those means
 *
 * `version` is a hash of the checkpoint's files (everything but `cache/`), so a copied folder (the
 * demos the library seeds) keeps its cache, and new weights (a checkpoint swaps the whole folder;
 * a stock model's files replaced in place) never meet an old cloud: the version is compared at
 * every read, not trusted to an event. A model serving mid-epoch weights (live training) is never
 * served from or written to the cache. Every file is written whole (temporary name, then rename);
 * one that does not parse or whose shape disagrees is a miss, recomputed and written again.
 * No TensorFlow.js here: the supervisor answers cache hits without waking an engine host.
 */

export const CACHE_FOLDER = 'cache';
const FORMAT = 'latent-atlas-latents';

/** A weights version: the first 16 hex digits of a SHA-256 of the checkpoint's files. */
export const WeightsVersion = z.string().regex(/^[0-9a-f]{16}$/, 'not a weights version');

const CacheMeta = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(1),
  weightsVersion: WeightsVersion,
  split: z.enum(['train', 'test', 'all']),
  /** The `limit` it was encoded with: it serves any request for at most that many points. */
  limit: z.number().int().min(1),
  n: z.number().int().min(0),
  dim: z.number().int().min(1),
  dataset: z.unknown(),
  labels: z.boolean(),
  labelNames: z.array(z.string()).nullable(),
  errors: z.boolean(),
  createdAt: z.string(),
});
type CacheMeta = z.infer<typeof CacheMeta>;

/** A snapshot as the cache serves it: with its weights version and, once computed, its UMAP. */
export type CachedSnapshot = LatentSnapshot & {
  weightsVersion: string;
  umap3?: Float32Array;
  tsne3?: Float32Array;
};

/** Model `modelId`'s folder in the library (ids as the library makes them; nothing else). */
export function modelFolder(libraryDir: string, modelId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelId) || modelId.includes('..'))
    throw new AtlasError('invalid-params', `"${modelId}" is not a model id`);
  return path.join(libraryDir, modelId);
}

/** The file whose time changes whenever a checkpoint is rewritten (as ModelCache reads it). */
function versionFile(dir: string): string {
  for (const candidate of ['manifest.json', 'model.json', path.join('decoder', 'model.json')]) {
    const file = path.join(dir, candidate);
    if (existsSync(file)) return file;
  }
  return path.join(dir, 'manifest.json');
}

/** The checkpoint's stamp as the model cache compares it (the version file's mtime). */
export async function checkpointStamp(dir: string): Promise<number | undefined> {
  return stat(versionFile(dir)).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/**
 * Whether model `modelId` is served from its checkpoint: false while mid-epoch weights newer
 * than the checkpoint exist (a job training it, or one that died before tidying them away).
 */
export async function servesCheckpoint(libraryDir: string, modelId: string): Promise<boolean> {
  const checkpoint = await checkpointStamp(modelFolder(libraryDir, modelId));
  if (checkpoint === undefined) return false;
  const live = await currentLiveWeights(libraryDir, modelId).catch(() => undefined);
  if (!live) return true;
  const liveStamp = await checkpointStamp(live);
  return liveStamp === undefined || liveStamp <= checkpoint;
}

/** Hashes of files already read, by path, size and mtime: a stat per file per open, not a read. */
const fileHashes = new Map<string, { size: number; mtimeMs: number; hash: Buffer }>();

const NOT_WEIGHTS = new Set<string>(KEPT_ACROSS_SAVES);

async function filesOf(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // The cache, and what people saved of the model, are not its weights.
    if (!prefix && (entry.name === CACHE_FOLDER || NOT_WEIGHTS.has(entry.name))) continue;
    if (entry.isDirectory()) out.push(...(await filesOf(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/**
 * The weights version of the checkpoint in `dir`: a hash over its files' names and contents
 * (not their times, which a copy changes), or undefined when it cannot be read whole.
 */
export async function weightsVersion(dir: string): Promise<string | undefined> {
  try {
    const hash = createHash('sha256');
    for (const rel of await filesOf(dir)) {
      const file = path.join(dir, rel);
      const info = await stat(file);
      let known = fileHashes.get(file);
      if (!known || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
        const bytes = await readFile(file);
        known = {
          size: info.size,
          mtimeMs: info.mtimeMs,
          hash: createHash('sha256').update(bytes).digest(),
        };
        fileHashes.set(file, known);
      }
      hash.update(rel).update('\0').update(known.hash);
    }
    return hash.digest('hex').slice(0, 16);
  } catch {
    return undefined;
  }
}

/** An imported embedding (engine/embedding/format.ts): its marker file. */
const isEmbedding = (dir: string) => existsSync(path.join(dir, 'embedding.json'));

const base = (dir: string, version: string, split: DataSplit) =>
  path.join(dir, CACHE_FOLDER, `latents-${version}-${split}`);
const umapFile = (dir: string, version: string, split: DataSplit, kind: ProjectionKind = 'umap3') =>
  path.join(dir, CACHE_FOLDER, `${FILE_OF[kind]}-${version}-${split}.npy`);

/**
 * A projection's file name. The t-SNE is the Barnes–Hut one of up to 10,000 points: a cache of the
 * earlier exact t-SNE (2,000 points, the rest placed by neighbours) is not read, so it is redone.
 */
const FILE_OF: Record<ProjectionKind, string> = { umap3: 'umap3', tsne3: 'tsne3bh' };

/** The 3D projections the page computes and the cache keeps (a UMAP, a t-SNE). */
export type ProjectionKind = 'umap3' | 'tsne3';

/** The dataset a checkpoint records (latents are of that data), or null. */
async function datasetOf(dir: string): Promise<unknown> {
  try {
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      dataset?: unknown;
    };
    return manifest.dataset ?? null;
  } catch {
    return null;
  }
}

async function readMeta(dir: string, version: string, split: DataSplit) {
  try {
    const meta = CacheMeta.parse(
      JSON.parse(await readFile(`${base(dir, version, split)}.json`, 'utf8')),
    );
    return meta.weightsVersion === version && meta.split === split ? meta : undefined;
  } catch {
    return undefined;
  }
}

async function readArray(file: string, kind: 'f4' | 'i4', shape: number[]) {
  const array = parseNpy(new Uint8Array(await readFile(file)));
  const expected = shape.reduce((a, b) => a * b, 1);
  const ok =
    array.data.length === expected &&
    array.shape.length === shape.length &&
    array.shape.every((s, i) => s === shape[i]) &&
    (kind === 'f4' ? array.data instanceof Float32Array : array.data instanceof Int32Array);
  if (!ok)
    throw new Error(`${file}: not the ${kind} array of shape [${shape.join(', ')}] expected`);
  return array.data as Float32Array | Int32Array;
}

/**
 * The cached cloud of the checkpoint in `dir` for a request of `limit` points of `split`, or
 * undefined on a miss (no cache, other weights, fewer points cached, another dataset, a file
 * damaged). A cache encoded with a larger limit serves a smaller one: its first rows are the
 * same items.
 */
export async function readLatentCache(
  dir: string,
  limit: number,
  split: DataSplit,
): Promise<CachedSnapshot | undefined> {
  // An imported embedding's cloud is its vectors with their metadata, which this cache does not
  // hold: never served from here (its host reads the vectors, which is as quick).
  if (isEmbedding(dir)) return undefined;
  const version = await weightsVersion(dir);
  if (!version) return undefined;
  const meta = await readMeta(dir, version, split);
  if (!meta || meta.limit < limit) return undefined;
  if (JSON.stringify(meta.dataset) !== JSON.stringify(await datasetOf(dir))) return undefined;
  const b = base(dir, version, split);
  try {
    const { n: all, dim } = meta;
    const means = (await readArray(`${b}.npy`, 'f4', [all, dim])) as Float32Array;
    const indices = (await readArray(`${b}.indices.npy`, 'i4', [all])) as Int32Array;
    const labels = meta.labels
      ? ((await readArray(`${b}.labels.npy`, 'i4', [all])) as Int32Array)
      : null;
    const errors = meta.errors
      ? ((await readArray(`${b}.errors.npy`, 'f4', [all])) as Float32Array)
      : undefined;
    const umap3 = await readArray(umapFile(dir, version, split), 'f4', [all, 3]).then(
      (a) => (a.every(Number.isFinite) ? (a as Float32Array) : undefined),
      () => undefined,
    );
    const tsne3 = await readArray(umapFile(dir, version, split, 'tsne3'), 'f4', [all, 3]).then(
      (a) => (a.every(Number.isFinite) ? (a as Float32Array) : undefined),
      () => undefined,
    );
    // Weights replaced while we read: what we read may belong to either; call it a miss.
    if ((await weightsVersion(dir)) !== version) return undefined;
    const n = Math.min(limit, all);
    return {
      means: means.subarray(0, n * dim),
      n,
      dim,
      labels: labels ? labels.subarray(0, n) : null,
      labelNames: labels ? meta.labelNames : null,
      indices: indices.subarray(0, n),
      split,
      ...(errors ? { errors: errors.subarray(0, n) } : {}),
      weightsVersion: version,
      ...(umap3 ? { umap3: umap3.subarray(0, n * 3) } : {}),
      ...(tsne3 ? { tsne3: tsne3.subarray(0, n * 3) } : {}),
    };
  } catch {
    return undefined;
  }
}

async function writeWhole(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/** Removes cache files of other weights versions (and strays of killed writes). */
async function pruneOthers(dir: string, version: string): Promise<void> {
  const folder = path.join(dir, CACHE_FOLDER);
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    if (name.includes(`-${version}-`) && !name.includes('.tmp-')) continue;
    await rm(path.join(folder, name), { force: true }).catch(() => {});
  }
}

/**
 * Stores the cloud encoded from the checkpoint in `dir` at weights version `version` with
 * `limit`. A cache of as many points or more is kept as it is. Returns whether it wrote.
 */
export async function writeLatentCache(
  dir: string,
  version: string,
  limit: number,
  snapshot: LatentSnapshot,
): Promise<boolean> {
  if (isEmbedding(dir)) return false;
  // One that reads whole with as many points stays; a damaged one is replaced.
  const existing = await readLatentCache(dir, limit, snapshot.split);
  if (existing?.weightsVersion === version) return false;
  await mkdir(path.join(dir, CACHE_FOLDER), { recursive: true });
  await pruneOthers(dir, version);
  const b = base(dir, version, snapshot.split);
  const npy = (data: NpyTypedArray, shape: number[]) => encodeNpy(data, shape);
  // The description goes last, and a stale one first: no reader pairs it with half-written arrays.
  await rm(`${b}.json`, { force: true });
  await rm(umapFile(dir, version, snapshot.split), { force: true });
  await rm(umapFile(dir, version, snapshot.split, 'tsne3'), { force: true });
  await writeWhole(`${b}.npy`, npy(snapshot.means, [snapshot.n, snapshot.dim]));
  await writeWhole(`${b}.indices.npy`, npy(snapshot.indices, [snapshot.n]));
  if (snapshot.labels) await writeWhole(`${b}.labels.npy`, npy(snapshot.labels, [snapshot.n]));
  if (snapshot.errors) await writeWhole(`${b}.errors.npy`, npy(snapshot.errors, [snapshot.n]));
  const meta: CacheMeta = {
    format: FORMAT,
    formatVersion: 1,
    weightsVersion: version,
    split: snapshot.split,
    limit,
    n: snapshot.n,
    dim: snapshot.dim,
    dataset: await datasetOf(dir),
    labels: Boolean(snapshot.labels),
    labelNames: snapshot.labels ? snapshot.labelNames : null,
    errors: Boolean(snapshot.errors),
    createdAt: new Date().toISOString(),
  };
  await writeWhole(`${b}.json`, JSON.stringify(meta, null, 1));
  return true;
}

/**
 * Stores a 3D UMAP (n × 3) of the cached cloud of weights version `version`. Refused (false)
 * unless that is still the checkpoint's version and the cached cloud has exactly n points.
 */
export async function writeUmapCache(
  dir: string,
  version: string,
  split: DataSplit,
  coords: Float32Array,
  n: number,
  kind: ProjectionKind = 'umap3',
): Promise<{ stored: boolean; reason?: string }> {
  if ((await weightsVersion(dir)) !== version)
    return { stored: false, reason: 'the weights changed since these latents were encoded' };
  const meta = await readMeta(dir, version, split);
  if (!meta) return { stored: false, reason: 'no cached latents for these weights' };
  if (meta.n !== n || coords.length !== n * 3)
    return { stored: false, reason: `the cached cloud has ${meta.n} points, not ${n}` };
  if (!coords.every(Number.isFinite))
    return { stored: false, reason: 'the embedding has NaN or infinite values' };
  await writeWhole(umapFile(dir, version, split, kind), encodeNpy(coords, [n, 3]));
  return { stored: true };
}
