import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSidecar, type OnnxSidecar } from '../../shared/onnx-sidecar';

export const SIDECAR_FILE = 'atlas.json';

/** Reads `file` when it exists; a malformed one is an error naming the field at fault. */
export async function readSidecar(file: string): Promise<OnnxSidecar> {
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseSidecar(json, file);
}

/**
 * Sets `fields` in the atlas.json of the ONNX model in `dir` (keeping the others), written aside
 * and renamed into place so a reader never sees half a file.
 */
export async function updateSidecar(dir: string, fields: Partial<OnnxSidecar>): Promise<void> {
  const file = path.join(dir, SIDECAR_FILE);
  const next = parseSidecar({ ...(await readSidecar(file)), ...fields }, file);
  const tmp = `${file}.writing-${process.pid}`;
  await writeFile(tmp, JSON.stringify(next, null, 2) + '\n');
  await rename(tmp, file);
}
