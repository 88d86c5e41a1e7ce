/// <reference types="vite/client" />
/**
 * An ONNX decoder run in the page with onnxruntime-web on its wasm backend: the graph the engine
 * sends (`decoderOnnx`) and how the engine calls it (engine/onnx/onnx-model.ts `DecoderPlan`),
 * so the images are the engine's `OnnxModel.decode`: values in [0, 1] (sigmoid of logits,
 * (y + 1) / 2 of tanh outputs, probabilities clamped), row-major [h, w, c] (NCHW outputs
 * transposed), the constant inputs repeated on every row, and a graph exported with a fixed
 * batch fed one batch at a time, the last one padded with copies of its first row.
 *
 * onnxruntime-web is imported on first use (pages whose models decode natively never load it);
 * only its wasm backend (no WebGPU: the page's CSP and headless Chromium have none), its `.wasm`
 * file an asset of the page's own origin (Vite's `?url`), on one thread unless the page is
 * cross-origin isolated (threads need SharedArrayBuffer). Compiling it needs the CSP's
 * `'wasm-unsafe-eval'` (src-main/web/csp.ts).
 */
import type * as Ort from 'onnxruntime-web/wasm';
import type { OnnxDecoder as OnnxDecoderGraph } from '../../../src-main/api/records';

export type { OnnxDecoderGraph };
/** The onnxruntime-web module (type only here: the module itself is imported on first use). */
export type OrtWeb = typeof Ort;
type Session = Ort.InferenceSession;
type Tensor = Ort.Tensor;

/** Rows per session run for a dynamic batch: the page breathes between runs of a long strip. */
export const PAGE_ROWS = 64;

let runtime: Promise<OrtWeb> | null = null;

/** onnxruntime-web (wasm only), loaded once; its `.wasm` from the page's own origin. */
export function loadOrtWeb(): Promise<OrtWeb> {
  runtime ??= Promise.all([
    import('onnxruntime-web/wasm'),
    import('onnxruntime-web/ort-wasm-simd-threaded.wasm?url'),
  ])
    .then(([ort, wasm]) => {
      ort.env.wasm.wasmPaths = { wasm: new URL(wasm.default, document.baseURI).href };
      ort.env.wasm.proxy = false;
      ort.env.wasm.numThreads = globalThis.crossOriginIsolated
        ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1))
        : 1;
      ort.env.logLevel = 'error';
      return ort;
    })
    .catch((error: unknown) => {
      runtime = null;
      throw error;
    });
  return runtime;
}

/** One line of an ONNX Runtime message (they can carry long tails). */
function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class OnnxPageDecoder {
  readonly latentDim: number;
  /** One image, [h, w, c]. */
  readonly shape: readonly [number, number, number];
  /** Values per image: h · w · c. */
  readonly outputSize: number;
  /** Always 'onnxruntime-web' (what the page shows as the runtime). */
  readonly runtime = 'onnxruntime-web';
  private readonly constants: { name: string; row: Float32Array; dims: number[] }[];
  /** Session runs one at a time: overlapping decodes queue here. */
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(
    private readonly ort: OrtWeb,
    private readonly session: Session,
    private readonly graph: Omit<OnnxDecoderGraph, 'bytes'>,
  ) {
    this.latentDim = graph.latentDim;
    this.shape = [...graph.shape];
    this.outputSize = graph.shape[0] * graph.shape[1] * graph.shape[2];
    this.constants = graph.constants.map((c) => ({
      name: c.name,
      row: Float32Array.from(c.values),
      dims: [...c.dims],
    }));
  }

  /**
   * Opens `graph` in onnxruntime-web (`ort`: the runtime to use, by default the page's own).
   * Throws, with onnxruntime-web's reason, when the graph does not load or does not have the
   * inputs and output the plan names.
   */
  static async create(
    graph: OnnxDecoderGraph,
    ort: OrtWeb | Promise<OrtWeb> = loadOrtWeb(),
  ): Promise<OnnxPageDecoder> {
    const size = graph.shape[0] * graph.shape[1] * graph.shape[2];
    if (!Number.isInteger(graph.latentDim) || graph.latentDim < 1 || !(size > 0))
      throw new Error(`a decoder of ${graph.latentDim} latents to [${graph.shape.join(', ')}]`);
    for (const c of graph.constants) {
      const per = c.dims.reduce((a, b) => a * b, 1);
      if (per !== c.values.length)
        throw new Error(
          `constant "${c.name}" has ${c.values.length} values for dims [${c.dims.join(', ')}]`,
        );
    }
    const runtime = await ort;
    // A view of this realm's own: onnxruntime-web tests `instanceof Uint8Array`, and bytes that
    // crossed from another world (a preload's, a Buffer) can fail it.
    const b = graph.bytes;
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    let session: Session;
    try {
      session = await runtime.InferenceSession.create(bytes, {
        executionProviders: ['wasm'],
      });
    } catch (error) {
      throw new Error(`onnxruntime-web cannot run this decoder: ${message(error)}`);
    }
    const inputs = new Set(session.inputNames);
    const missing = [graph.latentInput, ...graph.constants.map((c) => c.name)].filter(
      (name) => !inputs.has(name),
    );
    const problem = missing.length
      ? `the graph has no input ${missing.map((m) => `"${m}"`).join(', ')}`
      : !session.outputNames.includes(graph.output)
        ? `the graph has no output "${graph.output}"`
        : null;
    if (problem) {
      void session.release().catch(() => {});
      throw new Error(problem);
    }
    const { bytes: _bytes, ...plan } = graph;
    return new OnnxPageDecoder(runtime, session, plan);
  }

  /**
   * Images in [0, 1], row-major n × (h · w · c), for latent vectors z (row-major n × latentDim),
   * exactly as the engine's `OnnxModel.decode` computes them.
   */
  decode(z: Float32Array, n = 1): Promise<Float32Array> {
    if (!Number.isInteger(n) || n < 1 || z.length !== n * this.latentDim)
      return Promise.reject(new Error(`z holds ${z.length} values, not ${n} × ${this.latentDim}`));
    const next = this.queue.then(() => this.run(z, n));
    this.queue = next.catch(() => {});
    return next;
  }

  private async run(z: Float32Array, n: number): Promise<Float32Array> {
    if (this.released) throw new Error('this page decoder was released');
    const d = this.latentDim;
    const size = this.outputSize;
    const fixed = this.graph.fixedBatch;
    const step = fixed ?? PAGE_ROWS;
    const out = new Float32Array(n * size);
    for (let start = 0; start < n; start += step) {
      if (start > 0) await pause();
      const m = Math.min(step, n - start);
      let rows = z.slice(start * d, (start + m) * d);
      if (fixed !== null && m < fixed) {
        const padded = new Float32Array(fixed * d);
        padded.set(rows);
        for (let i = m; i < fixed; i++) padded.copyWithin(i * d, 0, d);
        rows = padded;
      }
      const batch = fixed ?? m;
      const feeds: Record<string, Tensor> = {
        [this.graph.latentInput]: new this.ort.Tensor('float32', rows, [batch, d]),
      };
      for (const c of this.constants) {
        const data = new Float32Array(batch * c.row.length);
        for (let i = 0; i < batch; i++) data.set(c.row, i * c.row.length);
        feeds[c.name] = new this.ort.Tensor('float32', data, [batch, ...c.dims]);
      }
      let result: Record<string, Tensor>;
      try {
        result = (await this.session.run(feeds)) as Record<string, Tensor>;
      } catch (error) {
        throw new Error(`onnxruntime-web failed to run the decoder: ${message(error)}`);
      }
      const tensor = result[this.graph.output];
      if (!tensor) throw new Error(`the decoder gave no output "${this.graph.output}"`);
      if (tensor.type !== 'float32')
        throw new Error(`output "${this.graph.output}" is ${tensor.type}, not float32`);
      const values = tensor.data as Float32Array;
      if (values.length !== batch * size)
        throw new Error(
          `output "${this.graph.output}" gave ${values.length} values for ${batch} rows; images [${this.shape.join(', ')}] need ${batch * size}`,
        );
      this.write(values, m, out, start * size);
      for (const t of Object.values(result)) t.dispose();
    }
    return out;
  }

  /** The first m images of `values` (the graph's layout and range) into `out` at `offset`. */
  private write(values: Float32Array, m: number, out: Float32Array, offset: number): void {
    const range = this.graph.range;
    const [h, w, c] = this.shape;
    const plane = h * w;
    const size = this.outputSize;
    const transpose = this.graph.layout === 'nchw' && c > 1;
    for (let i = 0; i < m; i++) {
      const base = i * size;
      for (let j = 0; j < size; j++) {
        // HWC position j = p·c + k reads CHW position k·plane + p.
        const v = transpose ? values[base + (j % c) * plane + Math.floor(j / c)] : values[base + j];
        const p = range === 'logits' ? 1 / (1 + Math.exp(-v)) : range === 'tanh' ? (v + 1) / 2 : v;
        out[offset + base + j] = p < 0 ? 0 : p > 1 ? 1 : p;
      }
    }
  }

  /** Frees the session (its wasm memory); later decodes fail. */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    void this.queue.then(() => this.session.release()).catch(() => {});
  }
}
