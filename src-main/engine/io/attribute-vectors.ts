// Attribute vectors and selections kept with a model, in its folder (the layout and the index's
// schema: shared/vector-index.ts). Every file is written aside and renamed into place, and every
// error is one line naming the file at fault.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeNpy, parseNpy, type NpyArray } from '../../shared/maths/npy';
import {
  checkCartographyName,
  emptyVectorIndex,
  parseSelectionInfo,
  parseVectorIndex,
  type SelectionInfo,
  type VectorIndex,
  type VectorRecord,
} from '../../shared/vector-index';

export const VECTORS_FOLDER = 'vectors';
export const SELECTIONS_FOLDER = 'selections';
export const VECTOR_INDEX_FILE = 'index.json';
/** Folders of a model that are not its weights (the fingerprint skips them). */
const NOT_WEIGHTS = new Set(['cache', VECTORS_FOLDER, SELECTIONS_FOLDER]);

/**
 * The folder a model's vectors and selections live in: the model's own folder (a checkpoint, a
 * stock TensorFlow.js model, an ONNX model's folder), or the folder of a `decoder.onnx` named
 * directly. A lone ONNX file of another name has no folder of its own, and is refused.
 */
export function modelFolder(target: string): string {
  const resolved = path.resolve(target);
  if (!existsSync(resolved)) throw new Error(`${resolved}: no such model`);
  if (statSync(resolved).isDirectory()) return resolved;
  if (path.basename(resolved).toLowerCase() === 'decoder.onnx') return path.dirname(resolved);
  throw new Error(
    `${resolved}: a lone model file has no folder to keep vectors and selections in; put it in a folder of its own as decoder.onnx`,
  );
}

/** Writes `bytes` to `file` through a temporary file beside it and a rename. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function readNpyFile(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return parseNpy(bytes);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/**
 * A float [d] vector from an NPY file, checked against the model's latent dimension `dim`
 * (a [1, d] array is accepted too). Errors name the file.
 */
export async function readVectorFile(file: string, dim: number): Promise<Float64Array> {
  const npy = await readNpyFile(file);
  const shape = npy.shape;
  const length =
    shape.length === 1 ? shape[0] : shape.length === 2 && shape[0] === 1 ? shape[1] : -1;
  if (length < 0)
    throw new Error(`${file}: shape [${shape.join(', ')}], but a vector has shape [d]`);
  if (!(npy.data instanceof Float32Array || npy.data instanceof Float64Array))
    throw new Error(`${file}: dtype ${npy.dtype}, but a vector is float32 or float64`);
  if (length !== dim)
    throw new Error(
      `${file}: a vector of ${length} coordinates, but this model's codes have ${dim}`,
    );
  const out = Float64Array.from(npy.data);
  if (!out.every(Number.isFinite)) throw new Error(`${file}: holds a NaN or infinite value`);
  return out;
}

/** Writes a vector as float32 [d] NPY, atomically. */
export async function writeVectorFile(file: string, vector: ArrayLike<number>): Promise<void> {
  await writeAtomic(file, encodeNpy(Float32Array.from(vector), [vector.length]));
}

/** `v.npy` → `v.base.npy`: where a vector written to `v.npy` keeps its base point. */
export function baseFileOf(file: string): string {
  return file.replace(/\.npy$/i, '') + '.base.npy';
}

/** A direction file and, when it has one beside it, its base point. */
export async function readDirection(
  file: string,
  dim: number,
): Promise<{ vector: Float64Array; base: Float64Array | null; baseFile: string | null }> {
  const vector = await readVectorFile(file, dim);
  const baseFile = baseFileOf(file);
  if (!existsSync(baseFile)) return { vector, base: null, baseFile: null };
  return { vector, base: await readVectorFile(baseFile, dim), baseFile };
}

// ---------------------------------------------------------------------------------------------
// The index

function vectorsDir(folder: string): string {
  return path.join(folder, VECTORS_FOLDER);
}

/** The model's vector index; an empty one when it has none yet. */
export async function readVectorIndex(folder: string): Promise<VectorIndex> {
  const file = path.join(vectorsDir(folder), VECTOR_INDEX_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyVectorIndex();
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const index = parseVectorIndex(json, file);
  const seen = new Set<string>();
  for (const record of index.vectors) {
    if (seen.has(record.name)) throw new Error(`${file}: the name "${record.name}" appears twice`);
    seen.add(record.name);
    for (const name of [record.file, record.base])
      if (path.basename(name) !== name || name.startsWith('.'))
        throw new Error(`${file}: "${record.name}" names the file "${name}" outside vectors/`);
  }
  return index;
}

export interface SaveVectorInput extends Omit<
  VectorRecord,
  'file' | 'base' | 'created' | 'dim' | 'weights'
> {
  vector: ArrayLike<number>;
  base: ArrayLike<number>;
}

/**
 * Saves a vector with the model in `folder`: its NPY files, then its record in the index.
 * Refuses a name already saved unless `replace`.
 */
export async function saveVector(
  folder: string,
  input: SaveVectorInput,
  options: { replace?: boolean } = {},
): Promise<VectorRecord> {
  const { vector, base: basePoint, ...rest } = input;
  const name = checkCartographyName(input.name, 'vector');
  if (basePoint.length !== vector.length)
    throw new Error(
      `vector "${name}": its base has ${basePoint.length} coordinates, not ${vector.length}`,
    );
  const index = await readVectorIndex(folder);
  const dir = vectorsDir(folder);
  if (!options.replace && index.vectors.some((v) => v.name === name))
    throw new Error(
      `${path.join(dir, VECTOR_INDEX_FILE)}: a vector named "${name}" is already saved (pass --force to replace it)`,
    );
  const record: VectorRecord = {
    ...rest,
    name,
    file: `${name}.npy`,
    base: `${name}.base.npy`,
    created: new Date().toISOString(),
    dim: vector.length,
    weights: await weightsFingerprint(folder),
  };
  await writeVectorFile(path.join(dir, record.file), vector);
  await writeVectorFile(path.join(dir, record.base), basePoint);
  // Read again just before writing: another writer may have added a vector meanwhile.
  const latest = await readVectorIndex(folder);
  const next: VectorIndex = {
    ...latest,
    vectors: [...latest.vectors.filter((v) => v.name !== name), record],
  };
  await writeAtomic(path.join(dir, VECTOR_INDEX_FILE), JSON.stringify(next, null, 1) + '\n');
  return record;
}

export interface LoadedVector {
  record: VectorRecord;
  vector: Float64Array;
  base: Float64Array;
  /** The vector's file, for messages. */
  file: string;
}

/** A saved vector, checked against the model's latent dimension `dim`. */
export async function loadVector(folder: string, name: string, dim: number): Promise<LoadedVector> {
  checkCartographyName(name, 'vector');
  const index = await readVectorIndex(folder);
  const record = index.vectors.find((v) => v.name === name);
  const indexFile = path.join(vectorsDir(folder), VECTOR_INDEX_FILE);
  if (!record) {
    const known = index.vectors.map((v) => v.name);
    throw new Error(
      `${indexFile}: no vector named "${name}"${known.length ? ` (saved: ${known.join(', ')})` : ' (none saved)'}`,
    );
  }
  const file = path.join(vectorsDir(folder), record.file);
  return {
    record,
    vector: await readVectorFile(file, dim),
    base: await readVectorFile(path.join(vectorsDir(folder), record.base), dim),
    file,
  };
}

/** Removes a saved vector: its record first (so the index never names a missing file), then files. */
export async function deleteVector(folder: string, name: string): Promise<boolean> {
  checkCartographyName(name, 'vector');
  const index = await readVectorIndex(folder);
  const record = index.vectors.find((v) => v.name === name);
  if (!record) return false;
  const dir = vectorsDir(folder);
  const next = { ...index, vectors: index.vectors.filter((v) => v.name !== name) };
  await writeAtomic(path.join(dir, VECTOR_INDEX_FILE), JSON.stringify(next, null, 1) + '\n');
  await rm(path.join(dir, record.file), { force: true });
  await rm(path.join(dir, record.base), { force: true });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Selections

export interface Selection {
  indices: Int32Array;
  /** The split the indices number, when `<name>.json` says. */
  split: SelectionInfo['split'] | null;
  file: string;
}

/** `selections/<name>.npy` (and `<name>.json` when present) from the model in `folder`. */
export async function readSelection(folder: string, name: string): Promise<Selection> {
  checkCartographyName(name, 'selection');
  const dir = path.join(folder, SELECTIONS_FOLDER);
  const file = path.join(dir, `${name}.npy`);
  if (!existsSync(file)) {
    const known = existsSync(dir)
      ? (await readdir(dir)).filter((f) => f.endsWith('.npy')).map((f) => f.slice(0, -4))
      : [];
    throw new Error(
      `${file}: no such selection${known.length ? ` (saved: ${known.sort().join(', ')})` : ''}`,
    );
  }
  const npy = await readNpyFile(file);
  if (npy.shape.length !== 1)
    throw new Error(`${file}: shape [${npy.shape.join(', ')}], but a selection has shape [k]`);
  if (!['i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8'].includes(npy.dtype))
    throw new Error(`${file}: dtype ${npy.dtype}, but a selection holds integer item indices`);
  const values = Array.from(npy.data as ArrayLike<number | bigint>, Number);
  const bad = values.findIndex((v) => !Number.isSafeInteger(v) || v < 0 || v > 0x7fffffff);
  if (bad >= 0) throw new Error(`${file}: entry ${bad} (${values[bad]}) is not an item index`);
  const infoFile = path.join(dir, `${name}.json`);
  let split: Selection['split'] = null;
  if (existsSync(infoFile)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(infoFile, 'utf8'));
    } catch (err) {
      throw new Error(`${infoFile}: not valid JSON (${(err as Error).message})`);
    }
    split = parseSelectionInfo(json, infoFile).split;
  }
  return { indices: Int32Array.from(values), split, file };
}

/** Writes a selection (int32 indices, and what split they number), atomically. */
export async function writeSelection(
  folder: string,
  name: string,
  indices: ArrayLike<number>,
  info: SelectionInfo,
): Promise<string> {
  checkCartographyName(name, 'selection');
  const dir = path.join(folder, SELECTIONS_FOLDER);
  const file = path.join(dir, `${name}.npy`);
  await writeAtomic(file, encodeNpy(Int32Array.from(indices), [indices.length]));
  await writeAtomic(path.join(dir, `${name}.json`), JSON.stringify(info, null, 1) + '\n');
  return file;
}

// ---------------------------------------------------------------------------------------------

/**
 * A fingerprint of the model's weights: sha256 over its files' relative names and contents,
 * outside cache/, vectors/ and selections/ (16 hex digits); null when the folder cannot be read.
 */
export async function weightsFingerprint(folder: string): Promise<string | null> {
  try {
    const hash = createHash('sha256');
    const walk = async (rel: string): Promise<void> => {
      const entries = await readdir(path.join(folder, rel), { withFileTypes: true });
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const child = rel ? `${rel}/${entry.name}` : entry.name;
        if (!rel && NOT_WEIGHTS.has(entry.name)) continue;
        if (entry.isDirectory()) await walk(child);
        else if (entry.isFile() && (await stat(path.join(folder, child))).isFile()) {
          hash.update(child).update('\0');
          hash.update(await readFile(path.join(folder, child))).update('\0');
        }
      }
    };
    await walk('');
    return hash.digest('hex').slice(0, 16);
  } catch {
    return null;
  }
}
