import { tf } from '../tf';
import { ModelConfig } from '../../shared/config';
import type { LatentGeometry, Posterior } from '../latent/geometry';
import { createGeometry } from '../latent/registry';
import type { LatentModel } from '../model/latent-model';
import { negativeLogLikelihood } from '../model/likelihood';
import {
  onnxRuntime,
  runtimeMessage,
  type OrtModule,
  type OrtSession,
  type OrtTensor,
} from './onnx-runtime';
import type { ImageLayout, OutputRange } from '../../shared/onnx-sidecar';

/** How to call an ONNX decoder: which input takes z, what else it needs, what comes out. */
export interface DecoderPlan {
  file: string;
  session: OrtSession;
  latentInput: string;
  /** A fixed batch size the graph was exported with, or null for a dynamic batch axis. */
  fixedBatch: number | null;
  /** The other inputs, one row of values each, repeated for every row of z. */
  constants: { name: string; row: Float32Array; dims: number[] }[];
  output: string;
  layout: ImageLayout;
  range: OutputRange;
}

/** How to call an ONNX encoder and read what it returns. */
export interface EncoderPlan {
  file: string;
  session: OrtSession;
  input: string;
  layout: ImageLayout;
  fixedBatch: number | null;
  /** The encoder takes pixels in [−1, 1] rather than [0, 1]. */
  signed: boolean;
  /**
   * `head`: one [n, 2d] tensor (mean, log-variance); `pair`: two [n, d] tensors (the same);
   * `point`: one [n, d] tensor, a deterministic encoder.
   */
  outputs:
    | { kind: 'head'; name: string }
    | { kind: 'pair'; mean: string; logVariance: string }
    | { kind: 'point'; name: string };
}

export interface OnnxModelParts {
  prior: 'gaussian' | 'sphere';
  latentDim: number;
  /** One image, [h, w, c]. */
  imageShape: [number, number, number];
  decoder: DecoderPlan;
  encoder: EncoderPlan | null;
  /** Which execution provider runs the sessions. */
  provider: string;
}

/** Rows per session run for dynamic batches: bounds a conv decoder's activations. */
const ROWS = 1024;
const EPS = 1e-6;

/**
 * A VAE trained elsewhere and exported to ONNX, run by ONNX Runtime: the same `LatentModel` the
 * rest of the engine asks of a native `Vae`. Images travel in the engine's layout (row-major
 * [h, w, c], values in [0, 1]); the plans say how the graphs want them.
 */
export class OnnxModel implements LatentModel {
  readonly config: ModelConfig;
  readonly geometry: LatentGeometry;
  readonly latentDim: number;
  readonly inputSize: number;
  readonly encoding: 'posterior' | 'point' | null;
  readonly pointEstimate = false;
  readonly imageShape: [number, number, number];

  constructor(readonly parts: OnnxModelParts) {
    this.latentDim = parts.latentDim;
    this.imageShape = parts.imageShape;
    this.inputSize = parts.imageShape[0] * parts.imageShape[1] * parts.imageShape[2];
    this.config = ModelConfig.parse({
      inputShape: parts.imageShape,
      latent: { kind: parts.prior, dim: parts.latentDim },
      objective: { kind: 'kl', weight: 1 },
      net: { kind: 'mlp' },
      likelihood: 'bernoulli',
    });
    this.geometry = createGeometry(this.config.latent, this.config);
    this.encoding = !parts.encoder
      ? null
      : parts.encoder.outputs.kind === 'point'
        ? 'point'
        : 'posterior';
  }

  /** The decoder's raw output for z [n, d], in the engine's [n, h·w·c] order. */
  async decoderValues(z: Float32Array, n: number): Promise<Float32Array> {
    const plan = this.parts.decoder;
    const d = this.latentDim;
    const ort = await onnxRuntime();
    return runInBatches(plan.fixedBatch, n, d, this.inputSize, z, async (rows, m) => {
      const out = await run(plan.session, decoderFeeds(ort, plan, rows, m, d), plan.file);
      const values = floats(out[plan.output], plan.output, plan.file);
      if (values.length !== m * this.inputSize)
        throw new Error(
          `${plan.file}: output "${plan.output}" gave ${values.length} values for ${m} rows; images [${this.imageShape.join(', ')}] need ${m * this.inputSize}`,
        );
      return plan.layout === 'nchw' ? chwToHwc(values, m, this.imageShape) : values;
    });
  }

  async decode(z: Float32Array, n: number): Promise<Float32Array> {
    const values = await this.decoderValues(z, n);
    const range = this.parts.decoder.range;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const p = range === 'logits' ? 1 / (1 + Math.exp(-v)) : range === 'tanh' ? (v + 1) / 2 : v;
      values[i] = p < 0 ? 0 : p > 1 ? 1 : p;
    }
    return values;
  }

  async decoderLogits(z: tf.Tensor2D): Promise<tf.Tensor2D> {
    const n = z.shape[0];
    const values = await this.decoderValues((await z.data()) as Float32Array, n);
    const range = this.parts.decoder.range;
    if (range !== 'logits') {
      for (let i = 0; i < values.length; i++) {
        const p = range === 'tanh' ? (values[i] + 1) / 2 : values[i];
        const q = Math.min(1 - EPS, Math.max(EPS, p));
        values[i] = Math.log(q / (1 - q));
      }
    }
    return tf.tensor2d(values, [n, this.inputSize]);
  }

  /** The encoder's output per row: [mean, log-variance] (2d wide) or the point (d wide). */
  private async encoderValues(x: Float32Array, n: number): Promise<Float32Array> {
    const plan = this.parts.encoder;
    if (!plan) throw new Error('encoding needs an encoder, and this model has only a decoder');
    const d = this.latentDim;
    const width = plan.outputs.kind === 'point' ? d : 2 * d;
    const ort = await onnxRuntime();
    const dims = inputDims(plan.layout, this.imageShape);
    return runInBatches(plan.fixedBatch, n, this.inputSize, width, x, async (rows, m) => {
      let pixels = plan.layout === 'nchw' ? hwcToChw(rows, m, this.imageShape) : rows.slice();
      if (plan.signed) pixels = pixels.map((v) => 2 * v - 1);
      const out = await run(
        plan.session,
        { [plan.input]: new ort.Tensor('float32', pixels, [m, ...dims]) },
        plan.file,
      );
      const outputs = plan.outputs;
      if (outputs.kind !== 'pair') {
        const values = floats(out[outputs.name], outputs.name, plan.file);
        if (outputs.kind === 'point' && this.config.latent.kind === 'sphere')
          normaliseRows(values, d);
        return values;
      }
      const mean = floats(out[outputs.mean], outputs.mean, plan.file);
      const logVariance = floats(out[outputs.logVariance], outputs.logVariance, plan.file);
      const head = new Float32Array(m * 2 * d);
      for (let i = 0; i < m; i++) {
        head.set(mean.subarray(i * d, (i + 1) * d), i * 2 * d);
        head.set(logVariance.subarray(i * d, (i + 1) * d), i * 2 * d + d);
      }
      return head;
    });
  }

  /** The geometry's posterior of an encoder head (a posterior encoder's [N, 2d] output). */
  posterior(head: tf.Tensor2D): Posterior {
    return this.geometry.posterior(head);
  }

  async encoderOutput(x: tf.Tensor2D): Promise<tf.Tensor2D> {
    const n = x.shape[0];
    const values = await this.encoderValues((await x.data()) as Float32Array, n);
    return tf.tensor2d(values, [n, values.length / Math.max(1, n)]);
  }

  async encodeHead(x: Float32Array, n: number): Promise<Float32Array> {
    if (this.encoding === 'point')
      throw new Error('this encoder gives a point per item, not a posterior (mean, log-variance)');
    return this.encoderValues(x, n);
  }

  async encode(x: Float32Array, n: number): Promise<Float32Array> {
    const values = await this.encoderValues(x, n);
    if (this.encoding === 'point') return values;
    const d = this.latentDim;
    const means = new Float32Array(n * d);
    for (let i = 0; i < n; i++) means.set(values.subarray(i * 2 * d, i * 2 * d + d), i * d);
    return means;
  }

  async encodeWithError(
    x: Float32Array,
    n: number,
  ): Promise<{ means: Float32Array; errors: Float32Array }> {
    const means = await this.encode(x, n);
    const z = tf.tensor2d(means, [n, this.latentDim]);
    const logits = await this.decoderLogits(z);
    const errors = tf.tidy(
      () =>
        negativeLogLikelihood(
          'bernoulli',
          logits,
          tf.tensor2d(x, [n, this.inputSize]),
          this.config.gaussianSigma,
        ).dataSync() as Float32Array,
    );
    tf.dispose([z, logits]);
    return { means, errors };
  }

  samplePrior(n: number, seed: number): Float32Array {
    return tf.tidy(() => this.geometry.samplePrior(n, seed).dataSync() as Float32Array);
  }

  dispose(): void {
    this.geometry.dispose();
    void this.parts.decoder.session.release().catch(() => {});
    void this.parts.encoder?.session.release().catch(() => {});
  }
}

/** The decoder's inputs for m latent rows: z, and each constant repeated once per row. */
export function decoderFeeds(
  ort: OrtModule,
  plan: Pick<DecoderPlan, 'latentInput' | 'constants'>,
  z: Float32Array,
  m: number,
  d: number,
): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {
    [plan.latentInput]: new ort.Tensor('float32', z, [m, d]),
  };
  for (const c of plan.constants) {
    const data = new Float32Array(m * c.row.length);
    for (let i = 0; i < m; i++) data.set(c.row, i * c.row.length);
    feeds[c.name] = new ort.Tensor('float32', data, [m, ...c.dims]);
  }
  return feeds;
}

/** The dims after the batch axis of an image tensor in `layout`. */
export function inputDims(layout: ImageLayout, [h, w, c]: number[]): number[] {
  return layout === 'nchw' ? [c, h, w] : layout === 'nhwc' ? [h, w, c] : [h * w * c];
}

async function run(
  session: OrtSession,
  feeds: Record<string, OrtTensor>,
  file: string,
): Promise<Record<string, OrtTensor>> {
  try {
    return (await session.run(feeds)) as Record<string, OrtTensor>;
  } catch (err) {
    throw new Error(`${file}: ONNX Runtime failed to run the model: ${runtimeMessage(err)}`);
  }
}

/** A float32 output's values, or an error naming the tensor. */
export function floats(t: OrtTensor | undefined, name: string, file: string): Float32Array {
  if (!t) throw new Error(`${file}: the model gave no output "${name}"`);
  if (t.type !== 'float32')
    throw new Error(`${file}: output "${name}" is ${t.type}; a float32 tensor is needed`);
  return t.data as Float32Array;
}

/**
 * Runs `fn` over n rows of `width` values in pieces: the graph's fixed batch (the last piece padded
 * with copies of its first row, their results dropped) or at most ROWS rows.
 */
async function runInBatches(
  fixed: number | null,
  n: number,
  width: number,
  outWidth: number,
  x: Float32Array,
  fn: (rows: Float32Array, m: number) => Promise<Float32Array>,
): Promise<Float32Array> {
  const out = new Float32Array(n * outWidth);
  const step = fixed ?? ROWS;
  for (let start = 0; start < n; start += step) {
    const m = Math.min(step, n - start);
    let rows = x.subarray(start * width, (start + m) * width);
    if (fixed !== null && m < fixed) {
      const padded = new Float32Array(fixed * width);
      padded.set(rows);
      for (let i = m; i < fixed; i++) padded.copyWithin(i * width, 0, width);
      rows = padded;
    }
    const values = await fn(rows, fixed ?? m);
    out.set(values.subarray(0, m * outWidth), start * outWidth);
  }
  return out;
}

function chwToHwc(values: Float32Array, n: number, [h, w, c]: number[]): Float32Array {
  if (c === 1) return values;
  const out = new Float32Array(values.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++)
      for (let k = 0; k < c; k++) out[base + p * c + k] = values[base + k * plane + p];
  }
  return out;
}

function hwcToChw(values: Float32Array, n: number, [h, w, c]: number[]): Float32Array {
  if (c === 1) return values.slice();
  const out = new Float32Array(values.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++)
      for (let k = 0; k < c; k++) out[base + k * plane + p] = values[base + p * c + k];
  }
  return out;
}

function normaliseRows(values: Float32Array, d: number): void {
  for (let i = 0; i < values.length; i += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += values[i + j] ** 2;
    const r = Math.sqrt(s) || 1;
    for (let j = 0; j < d; j++) values[i + j] /= r;
  }
}
