import { existsSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * The files that make a folder a model the library opens: our checkpoint (manifest.json), a stock
 * TensorFlow.js layers model (model.json, or decoder/model.json), ONNX (decoder.onnx), or an
 * imported embedding (embedding.json, engine/embedding/format.ts).
 */
const MARKERS = [
  'manifest.json',
  'model.json',
  path.join('decoder', 'model.json'),
  'decoder.onnx',
  'embedding.json',
];

export function isCheckpointDir(dir: string): boolean {
  return MARKERS.some((f) => existsSync(path.join(dir, f)));
}

/**
 * Gives ONNX files exported under other names the names the loader looks for: a lone `.onnx` file
 * becomes `decoder.onnx`; two become `decoder.onnx` and `encoder.onnx` when their names say which
 * (`vae_decoder.onnx`, `enc.onnx`). Does nothing when the folder already has `decoder.onnx` or
 * the names do not tell. Returns the renames made, one line each.
 */
export async function nameOnnxFiles(dir: string): Promise<string[]> {
  if (existsSync(path.join(dir, 'decoder.onnx'))) return [];
  const onnx = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.onnx'));
  const plan: [string, string][] = [];
  if (onnx.length === 1) plan.push([onnx[0], 'decoder.onnx']);
  else if (onnx.length === 2) {
    const decoder = onnx.find((f) => /dec/i.test(f));
    const encoder = onnx.find((f) => /enc/i.test(f) && f !== decoder);
    if (decoder && encoder)
      plan.push(
        [decoder, 'decoder.onnx'],
        ...(encoder !== 'encoder.onnx' ? [[encoder, 'encoder.onnx'] as [string, string]] : []),
      );
  }
  for (const [from, to] of plan) await rename(path.join(dir, from), path.join(dir, to));
  return plan.map(([from, to]) => `${from} is read as ${to}`);
}
