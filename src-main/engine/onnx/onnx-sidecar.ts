import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
