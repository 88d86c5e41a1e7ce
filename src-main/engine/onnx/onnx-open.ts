import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ParsedOnnx } from './onnx-parse';
import { createSession, onnxRuntime, runtimeMessage, type OrtSession } from './onnx-runtime';
import {
  decoderFeeds,
  floats,
  inputDims,
  OnnxModel,
  type DecoderPlan,
  type EncoderPlan,
} from './onnx-model';
import { readSidecar, SIDECAR_FILE } from './onnx-sidecar';
import {
  parseSidecar,
  type ImageLayout,
  type OnnxSidecar,
  type OnnxSidecarInput,
} from '../../shared/onnx-sidecar';

export const DECODER_FILE = 'decoder.onnx';
export const ENCODER_FILE = 'encoder.onnx';

/** Where an ONNX model's files are: a lone decoder file, or a folder holding `decoder.onnx`. */
export interface OnnxFiles {
  decoder: string;
  encoder: string | null;
  sidecar: string | null;
}

/** The ONNX files `target` names, or null when it is not an ONNX model (another format). */
export function onnxFiles(target: string): OnnxFiles | null {
  if (target.toLowerCase().endsWith('.onnx') && existsSync(target) && statSync(target).isFile())
    return { decoder: target, encoder: null, sidecar: null };
  const decoder = path.join(target, DECODER_FILE);
  if (!existsSync(decoder)) return null;
  const encoder = path.join(target, ENCODER_FILE);
  const sidecar = path.join(target, SIDECAR_FILE);
  return {
    decoder,
    encoder: existsSync(encoder) ? encoder : null,
    sidecar: existsSync(sidecar) ? sidecar : null,
  };
}

interface TensorInfo {
  name: string;
  shape: (number | null)[];
}

/** A session's tensor inputs or outputs, symbolic and unknown dimensions as null. */
function tensors(list: OrtSession['inputMetadata']): TensorInfo[] {
  return list
    .filter((m) => m.isTensor)
    .map((m) => ({
      name: m.name,
      shape: (m as { shape: readonly (number | string)[] }).shape.map((d) =>
        typeof d === 'number' && d > 0 ? d : null,
      ),
    }));
}

const show = (t: TensorInfo) => `"${t.name}" [${t.shape.map((d) => d ?? 'N').join(', ')}]`;

/**
 * Opens an ONNX VAE: a decoder `.onnx` file, or a folder with `decoder.onnx`, optionally
 * `encoder.onnx` and `atlas.json`. What the sidecar (and then `overrides`, from the CLI) does not
 * state is read from the graphs and one trial run of each. Every refusal is one line naming the
 * file and the tensor at fault.
 */
export async function openOnnx(
  files: OnnxFiles,
  overrides: OnnxSidecarInput = {},
): Promise<{ model: OnnxModel; warnings: string[]; sidecar: OnnxSidecar }> {
  const sidecar: OnnxSidecar = {
    ...(files.sidecar ? await readSidecar(files.sidecar) : {}),
    ...parseSidecar(overrides, 'options'),
  };
  const warnings: string[] = [];
  const decoder = await openSession(files.decoder);
  const encoder = files.encoder
    ? await openSession(files.encoder).catch((err: Error) => {
        void decoder.session.release().catch(() => {});
        throw err;
      })
    : null;
  try {
    if (decoder.why) warnings.push(`ONNX Runtime runs on the CPU: ${decoder.why}`);
    const { plan, latentDim, fixedBatch } = decoderInputs(decoder, sidecar, files.decoder);
    const prior = sidecar.prior ?? 'gaussian';
    // A trial run on a few prior-like codes gives the output's real shape and values.
    const trialRows = fixedBatch ?? 4;
    const z = trialCodes(trialRows, latentDim, prior);
    const feeds = decoderFeeds(await onnxRuntime(), plan, z, trialRows, latentDim);
    const outputs = tensors(decoder.session.outputMetadata);
    const output = outputs[0];
    let result;
    try {
      result = await decoder.session.run(feeds);
    } catch (err) {
      throw new Error(
        `${files.decoder}: ONNX Runtime failed to run the decoder on ${trialRows} latent rows: ${runtimeMessage(err)}`,
      );
    }
    const out = result[output.name];
    const values = floats(out, output.name, files.decoder);
    if (values.some((v) => !Number.isFinite(v)))
      throw new Error(
        `${files.decoder}: output "${output.name}" holds NaN or infinite values for prior samples`,
      );
    const { layout, imageShape } = imageOf(
      out.dims as number[],
      trialRows,
      sidecar,
      files.decoder,
      output.name,
    );
    const range =
      sidecar.output ??
      decoder.graph.outputRange(output.name) ??
      rangeOf(values, warnings, files.decoder);
    const decoderPlan: DecoderPlan = { ...plan, output: output.name, layout, range };
    const encoderPlan = encoder
      ? await encoderOf(encoder, files.encoder!, {
          imageShape,
          layout,
          latentDim,
          prior,
          signed: sidecar.encoderInput === 'signed',
          sidecarLayout: sidecar.layout,
        })
      : null;
    const model = new OnnxModel({
      prior,
      latentDim,
      imageShape,
      decoder: decoderPlan,
      encoder: encoderPlan,
      provider: decoder.provider,
    });
    return { model, warnings, sidecar };
  } catch (err) {
    void decoder.session.release().catch(() => {});
    void encoder?.session.release().catch(() => {});
    throw err;
  }
}

async function openSession(file: string) {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const graph = ParsedOnnx.parse(bytes, file);
  return { graph, ...(await createSession(bytes, file)) };
}

/** Which decoder input takes z (the one the sidecar does not fix), its size, and the constants. */
function decoderInputs(
  decoder: { session: OrtSession },
  sidecar: OnnxSidecar,
  file: string,
): {
  plan: Omit<DecoderPlan, 'output' | 'layout' | 'range'>;
  latentDim: number;
  fixedBatch: number | null;
} {
  const inputs = tensors(decoder.session.inputMetadata);
  const constants = sidecar.constants ?? {};
  for (const name of Object.keys(constants))
    if (!inputs.some((i) => i.name === name))
      throw new Error(
        `${file}: atlas.json fixes input "${name}", but the decoder has no such input (it has ${inputs.map(show).join(', ')})`,
      );
  let latent: TensorInfo | undefined;
  if (sidecar.latentInput) {
    latent = inputs.find((i) => i.name === sidecar.latentInput);
    if (!latent)
      throw new Error(
        `${file}: atlas.json names latent input "${sidecar.latentInput}", but the decoder's inputs are ${inputs.map(show).join(', ')}`,
      );
  } else {
    const open = inputs.filter((i) => !(i.name in constants));
    if (open.length === 0) throw new Error(`${file}: the decoder has no input left for z`);
    if (open.length > 1)
      throw new Error(
        `${file}: the decoder has ${inputs.length} inputs (${inputs.map(show).join(', ')}); input ${show(open[1])} is unexplained: a conditional decoder? Name the latent input and fix the others as constants in atlas.json ({"latentInput": "${open[0].name}", "constants": {"${open[1].name}": [...]}})`,
      );
    latent = open[0];
  }
  if (latent.shape.length !== 2 || latent.shape[1] === null)
    throw new Error(
      `${file}: input ${show(latent)} is not a latent vector [batch, d] with a fixed d`,
    );
  const fixedBatch = latent.shape[0];
  const rest = inputs.filter((i) => i !== latent);
  const fixed = rest.map((input) => {
    const values = constants[input.name];
    if (!values)
      throw new Error(
        `${file}: input ${show(input)} is unexplained: fix it as a constant in atlas.json ("constants": {"${input.name}": [...]})`,
      );
    const dims = input.shape.slice(1);
    const size = dims.reduce<number>((a, b) => a * (b ?? 1), 1);
    if (dims.some((d) => d === null) || size !== values.length)
      throw new Error(
        `${file}: atlas.json gives ${values.length} values for input ${show(input)}, which takes ${dims.some((d) => d === null) ? 'an unknown number' : size} per row`,
      );
    return { name: input.name, row: Float32Array.from(values), dims: dims as number[] };
  });
  return {
    plan: {
      file,
      session: decoder.session,
      latentInput: latent.name,
      fixedBatch,
      constants: fixed,
    },
    latentDim: latent.shape[1],
    fixedBatch,
  };
}

/** Rows spread like the prior: ±1 around the origin, or on the unit sphere. */
function trialCodes(n: number, d: number, prior: 'gaussian' | 'sphere'): Float32Array {
  const z = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[i * d + j] = Math.sin(1.7 * (i + 1) * (j + 1)) * 1.5;
    if (prior === 'sphere') {
      const r = Math.hypot(...z.subarray(i * d, (i + 1) * d)) || 1;
      for (let j = 0; j < d; j++) z[i * d + j] /= r;
    }
  }
  return z;
}

const CHANNELS = new Set([1, 3]);

/** Reads an image shape [h, w, c] and layout from an output's dims [n, …]. */
function imageOf(
  dims: number[],
  rows: number,
  sidecar: OnnxSidecar,
  file: string,
  name: string,
): { layout: ImageLayout; imageShape: [number, number, number] } {
  const where = `${file}: output "${name}" [${dims.join(', ')}]`;
  if (dims[0] !== rows)
    throw new Error(`${where} does not keep the batch axis first (${rows} rows in)`);
  const item = dims.slice(1);
  const size = item.reduce((a, b) => a * b, 1);
  if (sidecar.inputSize) {
    const [h, w, c] = sidecar.inputSize;
    if (h * w * c !== size)
      throw new Error(
        `${where}: atlas.json's input size ${h}x${w}x${c} holds ${h * w * c} values, the output ${size}`,
      );
    const layout =
      sidecar.layout ??
      (item.length === 3 ? (item[0] === c && item[2] !== c ? 'nchw' : 'nhwc') : 'flat');
    return { layout, imageShape: [h, w, c] };
  }
  if (item.length === 3) {
    const [a, b, c] = item;
    const layout =
      sidecar.layout ??
      (CHANNELS.has(a) && !CHANNELS.has(c)
        ? 'nchw'
        : CHANNELS.has(c) && !CHANNELS.has(a)
          ? 'nhwc'
          : CHANNELS.has(a)
            ? 'nchw'
            : null);
    if (layout === 'nchw' && CHANNELS.has(a)) return { layout, imageShape: [b, c, a] };
    if (layout === 'nhwc' && CHANNELS.has(c)) return { layout, imageShape: [a, b, c] };
    throw new Error(`${where} is not an image: no channel axis of 1 (gray) or 3 (RGB)`);
  }
  if (item.length === 2) return { layout: 'nhwc', imageShape: [item[0], item[1], 1] };
  if (item.length === 1) {
    const gray = Math.round(Math.sqrt(size));
    if (gray * gray === size) return { layout: 'flat', imageShape: [gray, gray, 1] };
    const rgb = Math.round(Math.sqrt(size / 3));
    if (rgb * rgb * 3 === size) return { layout: 'flat', imageShape: [rgb, rgb, 3] };
  }
  throw new Error(
    `${where} is not an image: expected [N, C, H, W], [N, H, W, C] or flat [N, H·W·C] with a square gray or RGB image; atlas.json's "inputSize" can say which`,
  );
}

/** Guesses the output's range from values on trial codes, saying so. */
function rangeOf(values: Float32Array, warnings: string[], file: string) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = lo >= 0 && hi <= 1 ? 'probs' : lo >= -1 && hi <= 1 ? 'tanh' : 'logits';
  warnings.push(
    `${file}: the graph does not end in a sigmoid or tanh; its outputs on trial codes lie in [${lo.toPrecision(3)}, ${hi.toPrecision(3)}], read as ${range} (atlas.json's "output" can say otherwise)`,
  );
  return range;
}

/** How the encoder takes the decoder's images and what its outputs mean. */
async function encoderOf(
  encoder: { session: OrtSession },
  file: string,
  info: {
    imageShape: [number, number, number];
    layout: ImageLayout;
    latentDim: number;
    prior: 'gaussian' | 'sphere';
    signed: boolean;
    sidecarLayout?: ImageLayout;
  },
): Promise<EncoderPlan> {
  const inputs = tensors(encoder.session.inputMetadata);
  const [h, w, c] = info.imageShape;
  const size = h * w * c;
  if (inputs.length !== 1)
    throw new Error(
      `${file}: the encoder has ${inputs.length} inputs (${inputs.map(show).join(', ')}); it must take the image alone`,
    );
  const input = inputs[0];
  const item = input.shape.slice(1);
  let layout: ImageLayout;
  if (item.length === 1 && (item[0] === null || item[0] === size)) layout = 'flat';
  else if (item.length === 3) {
    const [a, , z] = item;
    layout =
      info.sidecarLayout && info.sidecarLayout !== 'flat'
        ? info.sidecarLayout
        : a === c && z !== c
          ? 'nchw'
          : z === c
            ? 'nhwc'
            : 'nchw';
    const want = inputDims(layout, info.imageShape);
    if (item.some((d, i) => d !== null && d !== want[i]))
      throw new Error(
        `${file}: input ${show(input)} does not take the decoder's images [${info.imageShape.join(', ')}] (as ${layout.toUpperCase()}: [N, ${want.join(', ')}])`,
      );
  } else
    throw new Error(
      `${file}: input ${show(input)} takes neither flat images [N, ${size}] nor [N, C, H, W] / [N, H, W, C] of the decoder's [${info.imageShape.join(', ')}]`,
    );
  const fixedBatch = input.shape[0];
  const rows = fixedBatch ?? 2;
  const ort = await onnxRuntime();
  const blank = new Float32Array(rows * size).fill(info.signed ? 0 : 0.5);
  let result;
  try {
    result = await encoder.session.run({
      [input.name]: new ort.Tensor('float32', blank, [rows, ...inputDims(layout, info.imageShape)]),
    });
  } catch (err) {
    throw new Error(
      `${file}: ONNX Runtime failed to run the encoder on the decoder's image size: ${runtimeMessage(err)}`,
    );
  }
  const outs = tensors(encoder.session.outputMetadata).map((o) => ({
    name: o.name,
    shape: result[o.name].dims as number[],
  }));
  const d = info.latentDim;
  const widths = outs.map((o) => (o.shape.length === 2 && o.shape[0] === rows ? o.shape[1] : -1));
  const described = outs.map(show).join(', ');
  const mismatch = () =>
    new Error(
      `${file}: the encoder's outputs ${described} do not fit the decoder's latent size ${d}: an encoder returns [N, ${d}] (a point), [N, ${2 * d}] (mean and log-variance) or two [N, ${d}] tensors (mean, log-variance)`,
    );
  let outputs: EncoderPlan['outputs'];
  if (outs.length === 1 && widths[0] === d) outputs = { kind: 'point', name: outs[0].name };
  else if (outs.length === 1 && widths[0] === 2 * d) outputs = { kind: 'head', name: outs[0].name };
  else if (outs.length === 2 && widths[0] === d && widths[1] === d)
    outputs = { kind: 'pair', mean: outs[0].name, logVariance: outs[1].name };
  else throw mismatch();
  if (info.prior === 'sphere' && outputs.kind !== 'point')
    throw new Error(
      `${file}: on a sphere prior the encoder must return the mean direction [N, ${d}]; ${described} reads as a Gaussian posterior`,
    );
  return {
    file,
    session: encoder.session,
    input: input.name,
    layout,
    fixedBatch,
    signed: info.signed,
    outputs,
  };
}
