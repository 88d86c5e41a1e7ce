import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../engine/backend';
import { openModel } from '../../engine/io/open-model';
import { encodePng, imageGrid } from '../../engine/io/image';
import { readNpy, writeNpy } from '../../engine/io/npy';
import { datasetFor } from '../checkpoint-data';
import { Output, warn } from '../output';
import { onnxOverrides, type OnnxFlags } from '../onnx-options';

export interface EncodeOptions extends OnnxFlags {
  data?: string;
  split: string;
  limit?: number;
  out: string;
  json?: boolean;
}

export interface DecodeOptions extends OnnxFlags {
  out: string;
  n?: number;
  scale: number;
  json?: boolean;
}

export interface SampleOptions extends OnnxFlags {
  n: number;
  seed: number;
  out: string;
  latents?: string;
  scale: number;
  json?: boolean;
}

/**
 * Opens a checkpoint or an ONNX model for inference (never its optimizer state), telling the user
 * on stderr about degenerate weights, guesses about an ONNX graph, and leftovers of interrupted
 * saves that loading tidied.
 */
export async function open(ckpt: string, flags: OnnxFlags = {}) {
  await initBackend();
  const loaded = await openModel(ckpt, { onnx: onnxOverrides(flags) });
  for (const line of [...loaded.tidied, ...loaded.warnings]) warn(line);
  return loaded;
}

export async function encode(ckpt: string, opts: EncodeOptions): Promise<void> {
  const loaded = await open(ckpt, opts);
  const { data } = await datasetFor(loaded, opts.data, opts.split as 'all', opts.limit);
  const d = loaded.model.latentDim;
  const z = new Float32Array(data.count * d);
  const chunk = 2048;
  for (let i = 0; i < data.count; i += chunk) {
    const m = Math.min(chunk, data.count - i);
    const x = data.batch(Array.from({ length: m }, (_, j) => i + j));
    z.set(await loaded.model.encode(x, m), i * d);
  }
  await writeNpy(opts.out, z, [data.count, d]);
  let labelsFile: string | null = null;
  if (data.labels) {
    labelsFile = opts.out.replace(/\.npy$/i, '') + '.labels.npy';
    await writeNpy(labelsFile, data.labels, [data.count]);
  }
  new Output(Boolean(opts.json)).result(
    {
      out: path.resolve(opts.out),
      labels: labelsFile && path.resolve(labelsFile),
      n: data.count,
      d,
    },
    `wrote ${data.count} × ${d} latents to ${opts.out}${labelsFile ? ` and labels to ${labelsFile}` : ''}`,
  );
}

async function writeGrid(
  file: string,
  images: Float32Array,
  n: number,
  shape: number[],
  scale: number,
): Promise<void> {
  const png = await encodePng(imageGrid(images, n, shape), scale);
  await writeFile(file, png);
}

export async function decode(ckpt: string, zFile: string, opts: DecodeOptions): Promise<void> {
  const loaded = await open(ckpt, opts);
  const d = loaded.model.latentDim;
  const npy = await readNpy(zFile);
  if (npy.shape.length !== 2 || npy.shape[1] !== d) {
    throw new Error(
      `${zFile}: shape [${npy.shape.join(', ')}], but this model decodes latents of shape [n, ${d}]`,
    );
  }
  const rows = Math.min(npy.shape[0], opts.n ?? Infinity);
  if (rows === 0) throw new Error(`${zFile}: no rows to decode`);
  const z = Float32Array.from(npy.data as ArrayLike<number>).subarray(0, rows * d);
  const bad = z.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${zFile}: row ${Math.floor(bad / d)} holds a NaN or Inf value`);
  await writeGrid(
    opts.out,
    await loaded.model.decode(z, rows),
    rows,
    loaded.manifest.imageShape,
    opts.scale,
  );
  new Output(Boolean(opts.json)).result(
    { out: path.resolve(opts.out), n: rows, of: npy.shape[0] },
    `wrote ${rows} decoded images${rows < npy.shape[0] ? ` (of ${npy.shape[0]})` : ''} to ${opts.out}`,
  );
}

export async function sample(ckpt: string, opts: SampleOptions): Promise<void> {
  const loaded = await open(ckpt, opts);
  const z = loaded.model.samplePrior(opts.n, opts.seed);
  await writeGrid(
    opts.out,
    await loaded.model.decode(z, opts.n),
    opts.n,
    loaded.manifest.imageShape,
    opts.scale,
  );
  if (opts.latents) await writeNpy(opts.latents, z, [opts.n, loaded.model.latentDim]);
  new Output(Boolean(opts.json)).result(
    { out: path.resolve(opts.out), n: opts.n, seed: opts.seed },
    `wrote ${opts.n} samples to ${opts.out}`,
  );
}
