import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf';
import { OnnxGraphBuilder } from './onnx-graph-builder';
import { LayerTranslator, layerChain, sizeOf, type Image } from './onnx-layers';
import { DECODER_FILE, ENCODER_FILE } from './onnx-open';
import { SIDECAR_FILE } from './onnx-sidecar';
import type { Vae } from '../model/model';
import { geometryDescriptor } from '../latent/registry';

/**
 * `latent-atlas export --format onnx`: a model's TensorFlow.js nets as ONNX graphs that ONNX
 * Runtime (or PyTorch users) can run, built from the layers' weights (onnx-layers.ts) as protobuf
 * messages (onnx-graph-builder.ts), written in PyTorch's conventions (NCHW images, probabilities
 * out) with the atlas.json that onnx-open.ts reads back.
 */

/** atlas.json: what the ONNX files cannot say themselves. */
export interface AtlasSidecar {
  /** What the codes are compared with: N(0, I) or the uniform sphere (the geometry's own say). */
  prior: 'gaussian' | 'sphere';
  output: 'probs';
  layout: 'nchw';
  /** One image, `HxWxC`. */
  inputSize: string;
  latentDim: number;
  exportedFrom: {
    name: string;
    /** `atlas`: a Latent Atlas checkpoint; `stock`: a TensorFlow.js layers model folder. */
    format: 'atlas' | 'stock';
    geometry: string;
    /** Unknown (null) for stock models, which carry no training settings. */
    objective: string | null;
    net: string | null;
    likelihood: string | null;
    decoderOutput: 'logits' | 'probabilities';
  };
}

export interface OnnxExportOptions {
  /** The model's name and format, and the files its nets came from (for error messages). */
  source: {
    name: string;
    format: 'atlas' | 'stock';
    dir?: string;
    files?: { encoder?: string; decoder?: string };
  };
  /** Replace a non-empty `dir`. */
  force?: boolean;
  producerVersion?: string;
}

export interface OnnxExportResult {
  dir: string;
  files: string[];
  /** encoder.onnx's outputs, or null with the reason there is no encoder.onnx. */
  encoderOutputs: string[] | null;
  encoderSkipped: string | null;
  sidecar: AtlasSidecar;
}

type Head =
  | { kind: 'gaussian'; clamp: [number, number] }
  | { kind: 'direction' }
  /** A deterministic encoder: its output is the code (normalised onto the sphere there). */
  | { kind: 'point'; normalize: boolean }
  | { kind: 'none'; reason: string };

/** The image [h, w, c] an item is: [h, w] is gray, a vector [d] one row of d gray pixels. */
function imageOf(shape: readonly number[]): Image {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [shape[0], shape[1], 1];
  return [1, shape[0], 1];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b));

/**
 * What the geometry makes of its encoder head, found by asking it: a probe head (values inside
 * and beyond the log-variance clamp) goes through `posterior`, and the answer must be exactly a
 * split [mean, log-variance clipped to config.logVarClamp] (the Gaussian, the mixture) or a
 * direction h₁…h_d/‖h₁…h_d‖ followed by a concentration (vMF, Power Spherical). Any geometry
 * registered later is judged the same way, not by its name.
 */
function headOf(vae: Vae): Head {
  if (vae.encoding === 'point') return { kind: 'point', normalize: !!vae.geometry.point };
  if (vae.flow)
    return {
      kind: 'none',
      reason: `its posterior is pushed through a ${vae.flow.config.kind} flow, which the ONNX export does not translate (the decoder is exported; encode with the app or the CLI)`,
    };
  const d = vae.latentDim;
  const width = vae.geometry.headSize;
  const clamp: [number, number] = [vae.config.logVarClamp[0], vae.config.logVarClamp[1]];
  const probe = Float32Array.from({ length: 2 * width }, (_, i) =>
    i < width
      ? ((i % 7) - 3) * 0.31 + 0.05
      : i % 2
        ? clamp[1] + 1 + (i % 3)
        : clamp[0] - 1 - (i % 3),
  );
  const answer: { mean?: Float32Array; logVar?: Float32Array } = {};
  tf.tidy(() => {
    const posterior = vae.geometry.posterior(tf.tensor2d(probe, [2, width]));
    answer.mean = Float32Array.from(posterior.mean.dataSync());
    const lv = (posterior as { logVar?: unknown }).logVar;
    if (lv instanceof tf.Tensor) answer.logVar = Float32Array.from(lv.dataSync());
  });
  const mean = answer.mean ?? null;
  const logVar = answer.logVar ?? null;
  const rows = [0, 1];
  const at = (r: number, j: number) => probe[r * width + j];
  const fits = (values: Float32Array | null, expected: (r: number, j: number) => number) =>
    values !== null &&
    values.length === 2 * d &&
    rows.every((r) =>
      Array.from({ length: d }, (_, j) => j).every((j) => close(values[r * d + j], expected(r, j))),
    );
  const lo = Math.fround(clamp[0]);
  const hi = Math.fround(clamp[1]);
  if (
    width === 2 * d &&
    fits(mean, at) &&
    fits(logVar, (r, j) => Math.min(Math.max(at(r, d + j), lo), hi))
  )
    return { kind: 'gaussian', clamp };
  const norms = rows.map((r) =>
    Math.sqrt(
      Array.from({ length: d }, (_, j) => at(r, j) ** 2).reduce((a, b) => a + b, 0) + 1e-12,
    ),
  );
  if (width === d + 1 && fits(mean, (r, j) => at(r, j) / norms[r])) return { kind: 'direction' };
  return {
    kind: 'none',
    reason: `the ${vae.config.latent.kind} geometry's encoder head (${width} values for d = ${d}) is neither [mean, log-variance] nor [mean direction, concentration]`,
  };
}

/** The decoder: z [N, d] → image [N, C, H, W], probabilities in [0, 1]. */
function decoderGraph(vae: Vae): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder('decoder', ['z', 'image']);
  const d = vae.latentDim;
  const [h, w, c] = imageOf(vae.config.inputShape);
  const t = new LayerTranslator(g, 'decoder');
  const input = vae.decoder.inputs[0].shape.slice(1);
  if (input.length !== 1 || input[0] !== d)
    throw new Error(`the decoder takes [${input.join(', ')}], not latent vectors [${d}]`);
  const z = g.input('z', ['batch', d]);
  const flow = t.run(layerChain(vae.decoder, 'decoder'), { shape: [d], values: { flat: z } });
  if (sizeOf(flow.shape) !== vae.inputSize)
    throw new Error(
      `the decoder emits ${sizeOf(flow.shape)} values per item, the model's items have ${vae.inputSize}`,
    );
  const x = t.nchw(flow, [h, w, c]);
  // The engine decodes to sigmoid(logits); a stock decoder that ends in a sigmoid already has.
  if (vae.decoderOutput === 'logits')
    g.node('Sigmoid', [x], {}, { name: 'probabilities', output: 'image' });
  else g.node('Identity', [x], {}, { name: 'probabilities', output: 'image' });
  g.output('image', ['batch', c, h, w]);
  return g;
}

/** The encoder: image [N, C, H, W] in [0, 1] → the posterior's mean (and log-variance). */
function encoderGraph(
  vae: Vae,
  encoder: tf.LayersModel,
  head: Exclude<Head, { kind: 'none' }>,
): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder(
    'encoder',
    head.kind === 'point' ? ['image', 'code'] : ['image', 'mean', 'log_variance'],
  );
  const d = vae.latentDim;
  const image = imageOf(vae.config.inputShape);
  const [h, w, c] = image;
  const t = new LayerTranslator(g, 'encoder');
  const input = encoder.inputs[0].shape.slice(1) as number[];
  if (sizeOf(input) !== vae.inputSize)
    throw new Error(
      `the encoder takes [${input.join(', ')}], not items of ${vae.inputSize} values`,
    );
  const x = g.input('image', ['batch', c, h, w]);
  const flow = t.run(layerChain(encoder, 'encoder'), { shape: input, image, values: { nchw: x } });
  const width = vae.headSize;
  if (flow.shape.length !== 1 || flow.shape[0] !== width)
    throw new Error(
      `the encoder emits [${flow.shape.join(', ')}], not the geometry's head of ${width} values`,
    );
  const out = t.flat(flow);
  const slice = (from: number, to: number, name: string, output?: string) =>
    g.node(
      'Slice',
      [
        out,
        g.int64s(`${name}/starts`, [from]),
        g.int64s(`${name}/ends`, [to]),
        g.int64s(`${name}/axes`, [1]),
      ],
      {},
      { name, ...(output ? { output } : {}) },
    );
  const normalize = (direction: string, output: string) => {
    // h/√(‖h‖² + 1e-12), as sphere.ts' normalizeRows.
    const squares = g.node('ReduceSumSquare', [direction], {
      axes: { ints: [1] },
      keepdims: { int: 1 },
    });
    const norm = g.node('Sqrt', [g.node('Add', [squares, g.scalar('epsilon', 1e-12)])]);
    g.node('Div', [direction, norm], {}, { name: 'normalize', output });
  };
  if (head.kind === 'point') {
    // The encoder's output is the code; one [N, d] output reads back as a deterministic encoder.
    if (head.normalize) normalize(out, 'code');
    else g.node('Identity', [out], {}, { name: 'code', output: 'code' });
    g.output('code', ['batch', d]);
  } else if (head.kind === 'gaussian') {
    slice(0, d, 'head_mean', 'mean');
    const logVar = slice(d, 2 * d, 'head_log_variance');
    // The engine clips the log-variance where it reads the head (diagonalGaussianHead).
    g.node(
      'Clip',
      [
        logVar,
        g.scalar('log_variance/min', head.clamp[0]),
        g.scalar('log_variance/max', head.clamp[1]),
      ],
      {},
      { name: 'log_variance_clamp', output: 'log_variance' },
    );
    g.output('mean', ['batch', d]);
    g.output('log_variance', ['batch', d]);
  } else {
    // μ = h/‖h‖; the concentration is left out.
    normalize(slice(0, d, 'head_direction'), 'mean');
    g.output('mean', ['batch', d]);
  }
  return g;
}

function sidecarOf(vae: Vae, source: OnnxExportOptions['source']): AtlasSidecar {
  const [h, w, c] = imageOf(vae.config.inputShape);
  const atlas = source.format === 'atlas';
  return {
    prior: geometryDescriptor(vae.config.latent.kind).coverage.prior,
    output: 'probs',
    layout: 'nchw',
    inputSize: `${h}x${w}x${c}`,
    latentDim: vae.latentDim,
    exportedFrom: {
      name: source.name,
      format: source.format,
      geometry: vae.config.latent.kind,
      objective: atlas ? vae.config.objective.kind : null,
      net: atlas ? vae.config.net.kind : null,
      likelihood: atlas ? vae.config.likelihood : null,
      decoderOutput: vae.decoderOutput,
    },
  };
}

/** Prefixes a net's error with the file it came from. */
function inFile<T>(file: string | undefined, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (file && err instanceof Error) err.message = `${file}: ${err.message}`;
    throw err;
  }
}

/**
 * Refuses a `dir` that is a file, that holds the model being exported (`source`), or that is not
 * empty unless `force`.
 */
export async function checkExportTarget(
  dir: string,
  options: { force?: boolean; source?: string } = {},
): Promise<void> {
  dir = path.resolve(dir);
  if (options.source) {
    const inside = path.relative(dir, path.resolve(options.source));
    if (!inside.startsWith('..') && !path.isAbsolute(inside))
      throw new Error(`${dir}: holds the model being exported; export to another directory`);
  }
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error(`${dir}: exists and is not a directory`);
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (entries.length > 0 && !options.force)
    throw new Error(`${dir}: not empty; pass --force to replace it`);
}

async function writeSynced(file: string, content: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `files` into a sibling of `dir`, then swaps it in: `dir` is never half written. */
async function writeDirectory(
  dir: string,
  files: Map<string, Uint8Array | string>,
  check: () => Promise<void>,
): Promise<void> {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = path.join(parent, `${base}.exporting-${stamp}`);
  await mkdir(parent, { recursive: true });
  try {
    await mkdir(tmp);
    for (const [name, content] of files) await writeSynced(path.join(tmp, name), content);
    await check(); // again: something may have appeared in `dir` meanwhile
    if (!existsSync(dir)) return await rename(tmp, dir);
    const old = path.join(parent, `${base}.replaced-${stamp}`);
    await rename(dir, old);
    try {
      await rename(tmp, dir);
    } catch (err) {
      await rename(old, dir);
      throw err;
    }
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Writes `vae` to `dir` as ONNX (opset 13): `decoder.onnx` (z [N, d] → image [N, C, H, W] in
 * [0, 1]), `encoder.onnx` when the model has an encoder whose head is [mean, log-variance]
 * (outputs `mean`, `log_variance`) or [direction, concentration] (output `mean`, the unit mean
 * direction), and `atlas.json`. Every graph is built before anything is written; a layer that has
 * no ONNX translation is an error naming it.
 */
export async function exportOnnx(
  vae: Vae,
  dir: string,
  options: OnnxExportOptions,
): Promise<OnnxExportResult> {
  dir = path.resolve(dir);
  const check = () => checkExportTarget(dir, { force: options.force, source: options.source.dir });
  await check();
  const { files: from = {} } = options.source;
  const encode = (g: OnnxGraphBuilder, doc: string) =>
    g.encode({
      docString: doc,
      ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
    });
  const [h, w, c] = imageOf(vae.config.inputShape);
  const d = vae.latentDim;
  const files = new Map<string, Uint8Array | string>();
  files.set(
    DECODER_FILE,
    inFile(from.decoder, () =>
      encode(
        decoderGraph(vae),
        `z [batch, ${d}] → image [batch, ${c}, ${h}, ${w}], probabilities in [0, 1]`,
      ),
    ),
  );
  const head: Head = vae.encoder
    ? headOf(vae)
    : { kind: 'none', reason: 'the model has no encoder' };
  let encoderOutputs: string[] | null = null;
  if (vae.encoder && head.kind !== 'none') {
    const encoder = vae.encoder;
    encoderOutputs =
      head.kind === 'gaussian'
        ? ['mean', 'log_variance']
        : head.kind === 'point'
          ? ['code']
          : ['mean'];
    files.set(
      ENCODER_FILE,
      inFile(from.encoder, () =>
        encode(
          encoderGraph(vae, encoder, head),
          `image [batch, ${c}, ${h}, ${w}] in [0, 1] → ${encoderOutputs!.join(', ')} [batch, ${d}]`,
        ),
      ),
    );
  }
  const sidecar = sidecarOf(vae, options.source);
  files.set(SIDECAR_FILE, `${JSON.stringify(sidecar, null, 2)}\n`);
  await writeDirectory(dir, files, check);
  return {
    dir,
    files: [...files.keys()],
    encoderOutputs,
    encoderSkipped: head.kind === 'none' ? head.reason : null,
    sidecar,
  };
}
