// NPY files on disk. The format itself (parsing and encoding the bytes) is shared with the page:
// src-main/shared/maths/npy.ts.
import { readFile, writeFile } from 'node:fs/promises';
import {
  asLatentMatrix,
  encodeNpy,
  NpyError,
  parseNpy,
  type EncodeOptions,
  type LatentMatrix,
  type NpyArray,
  type NpyTypedArray,
} from '../../shared/maths/npy';

/** Reads an NPY file from disk; errors name the file. */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new NpyError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return parseNpy(bytes);
  } catch (err) {
    throw new NpyError(`${path}: ${(err as Error).message}`);
  }
}

/** Writes an NPY file to disk. */
export async function writeNpy(
  path: string,
  data: NpyTypedArray,
  shape: readonly number[],
  options?: EncodeOptions,
): Promise<void> {
  await writeFile(path, encodeNpy(data, shape, options));
}

/** Reads an NPY file that must hold a float32/float64 matrix [n, d]. */
export async function readLatentMatrix(path: string): Promise<LatentMatrix> {
  const array = await readNpy(path);
  try {
    return asLatentMatrix(array);
  } catch (err) {
    throw new NpyError(`${path}: ${(err as Error).message}`);
  }
}
