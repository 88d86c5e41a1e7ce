import { errorMessage } from '../api/connect';
import { quantile } from '../lib/decoding/latest';
import { decodeSliced, MlpDecoder } from '../lib/decoding/mlp-decoder';
import { OnnxPageDecoder, type OnnxDecoderGraph } from '../lib/decoding/onnx-decoder';
import type { LocalDecoderContext } from './context';

/** What `AppState.decode` needs of a decoder that runs in the page. */
export interface PageDecoder {
  readonly latentDim: number;
  /** One image's shape. */
  readonly shape: readonly number[];
  /** Images in [0, 1], row-major n × prod(shape). */
  decode(z: Float32Array, n: number): Promise<Float32Array>;
}

/**
 * Where an ONNX model's decodes run, and why: the medians of a few warm single-latent decodes in
 * the page (onnxruntime-web) and through the engine (`decode`, round trip included), in ms. A
 * side is null when it could not decode (the reason is in `why`).
 */
export interface DecodePathChoice {
  modelId: string;
  page: number | null;
  engine: number | null;
  chosen: 'page' | 'engine';
  why: string;
}

/** Decodes of each side not counted (cold code, first allocations), then those that are. */
export const WARM_DECODES = 2;
export const TIMED_DECODES = 7;

/** Page and engine images of the same latent may differ this much (float32 maths, two builds). */
const AGREEMENT = 1e-4;

/**
 * A latency as the page shows it: one decimal below 10 ms, "<0.1" below that (a page that is not
 * cross-origin isolated reads Chromium's clock in steps of 0.1 ms).
 */
export function formatMs(ms: number): string {
  return ms < 0.1 ? '<0.1' : ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
}

/**
 * One line for the traversal panel: where the ONNX model decodes and the other side's figure,
 * "decodes in the page (onnxruntime-web, 0.4 ms) — engine 3.1 ms" or the reverse (a no-break
 * space before each "ms", so a narrow panel never wraps a figure from its unit).
 */
export function describeDecodePath(choice: DecodePathChoice): string {
  const page = choice.page === null ? null : `${formatMs(choice.page)}\u00a0ms`;
  const engine = choice.engine === null ? null : `${formatMs(choice.engine)}\u00a0ms`;
  if (choice.chosen === 'page')
    return `decodes in the page (onnxruntime-web, ${page ?? '?'}) — engine ${engine ?? 'failed'}`;
  return page === null
    ? `decodes in the engine${engine ? ` (${engine})` : ''} — not in the page (onnxruntime-web failed)`
    : `decodes in the engine (${engine ?? '?'}) — page ${page} (onnxruntime-web)`;
}

/**
 * The decoder of the model on screen, evaluated in the page where that pays:
 *
 * - a plain stack of Dense layers (`decoderWeights`) always decodes in the page (MlpDecoder:
 *   well under a millisecond, no round trip). The weights are fetched when a model opens and
 *   again whenever the engine says they changed (`weightsChanged`: a checkpoint, a mid-epoch
 *   snapshot, the end of a job).
 * - an ONNX model's graph (`decoderOnnx`) is opened with onnxruntime-web in the background, then
 *   a few warm single-latent decodes are timed in the page and through the engine, alternately;
 *   the page keeps the decodes only if its median is lower (and its image agrees with the
 *   engine's). Until then, and otherwise, the engine decodes. `choice` records both medians.
 *
 * Every other model decodes in the engine, and `reason` says why.
 */
export class LocalDecoderStore {
  /** The dense page-side decoder, when the model `modelId` has one. */
  decoder = $state.raw<MlpDecoder | null>(null);
  /**
   * The model's ONNX decoder in the page, once it loaded (kept when the engine won, so a later
   * comparison, or the bench, can run it); it decodes only when `choice.chosen` is 'page'.
   */
  onnx = $state.raw<OnnxPageDecoder | null>(null);
  /** The ONNX decoder's measured page-vs-engine figures and the path chosen, or null. */
  choice = $state.raw<DecodePathChoice | null>(null);
  /** Whether the ONNX page decoder is loading or being timed against the engine. */
  measuring = $state(false);
  /** The model `decoder` (or `reason`) belongs to. */
  modelId = $state<string | null>(null);
  /** Why that model decodes in the engine (a conv net, a failed fetch, ...), or null. */
  reason = $state<string | null>(null);
  /** Off: every decode goes to the engine (to compare both paths). */
  enabled = $state(true);
  /** Opens an ONNX graph in the page (tests replace it: a runtime that fails, a slow one). */
  openOnnx: (graph: OnnxDecoderGraph) => Promise<OnnxPageDecoder> = (graph) =>
    OnnxPageDecoder.create(graph);

  private ticket = 0;
  private trial: Promise<void> = Promise.resolve();
  private mlp: PageDecoder | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly app: LocalDecoderContext) {
    this.unsubscribe = app.api.on('weightsChanged', (e) => {
      if (e.modelId === this.app.modelId) void this.reload(e.modelId);
    });
  }

  /** The decoder to decode model `modelId` with in the page, or null to ask the engine. */
  for(modelId: string): PageDecoder | null {
    if (!this.enabled || this.modelId !== modelId) return null;
    if (this.decoder) return this.mlp;
    return this.choice?.chosen === 'page' ? this.onnx : null;
  }

  /** Resolves when the ONNX page decoder of the latest `load` has loaded and been timed. */
  settled(): Promise<void> {
    return this.trial;
  }

  /**
   * Fetches the weights of `modelId` (the latest call wins; a failure means decoding in the
   * engine). Resolves with whether a dense page-side decoder is in place for it. An ONNX model's
   * graph is fetched too; its page decoder loads and is timed afterwards (`settled`), while the
   * engine decodes. Never throws.
   */
  async load(modelId: string): Promise<boolean> {
    const ticket = ++this.ticket;
    let decoder: MlpDecoder | null = null;
    let reason: string | null = null;
    let dense = false;
    try {
      const weights = await this.app.api.decoderWeights({ modelId });
      if ('unsupported' in weights) reason = weights.unsupported;
      else {
        dense = true;
        decoder = new MlpDecoder(weights);
      }
    } catch (error) {
      reason = `its weights could not be fetched: ${errorMessage(error)}`;
    }
    if (ticket !== this.ticket) return false;
    this.modelId = modelId;
    this.setDense(decoder);
    this.setOnnx(null);
    this.choice = null;
    this.reason = reason;
    this.measuring = false;
    // Not a dense stack: perhaps an ONNX graph the page can run (asked for in the background,
    // so a large graph does not hold up the cloud).
    this.trial = dense ? Promise.resolve() : this.tryPage(ticket, modelId);
    return decoder !== null;
  }

  /**
   * Fetches the ONNX graph of `modelId` (none: not an ONNX model, too large, an older engine),
   * opens it in the page and times it against the engine; applies the faster path unless a later
   * `load` or `clear` has come meanwhile (then the page decoder is released).
   */
  private async tryPage(ticket: number, modelId: string): Promise<void> {
    const stale = () => ticket !== this.ticket;
    let graph: OnnxDecoderGraph;
    try {
      const answer = await this.app.api.decoderOnnx({ modelId });
      if ('unsupported' in answer) return;
      graph = answer;
    } catch {
      return;
    }
    if (stale()) return;
    this.measuring = true;
    let decoder: OnnxPageDecoder;
    try {
      decoder = await this.openOnnx(graph);
    } catch (error) {
      if (stale()) return;
      const why = `onnxruntime-web could not open its graph: ${errorMessage(error)}`;
      this.choice = { modelId, page: null, engine: null, chosen: 'engine', why };
      this.reason = why;
      this.measuring = false;
      return;
    }
    if (stale()) return decoder.dispose();
    const choice = await this.race(modelId, decoder, graph.latentDim);
    if (stale()) return decoder.dispose();
    this.setOnnx(choice.page === null ? null : decoder);
    if (choice.page === null) decoder.dispose();
    this.choice = choice;
    this.reason = choice.chosen === 'engine' ? choice.why : null;
    this.measuring = false;
  }

  /**
   * WARM_DECODES + TIMED_DECODES single-latent decodes on each side, alternating which goes
   * first; the medians of the timed ones decide. The first pair's images must agree.
   */
  private async race(
    modelId: string,
    decoder: OnnxPageDecoder,
    d: number,
  ): Promise<DecodePathChoice> {
    const z = new Float32Array(d);
    z[0] = 1; // a unit vector: a valid latent for sphere models too
    const times = { page: [] as number[], engine: [] as number[] };
    const failed = { page: null as string | null, engine: null as string | null };
    const images: { page?: Float32Array; engine?: Float32Array } = {};
    const side = async (which: 'page' | 'engine', i: number) => {
      if (failed[which]) return;
      const start = performance.now();
      try {
        const out =
          which === 'page'
            ? await decoder.decode(z, 1)
            : (await this.app.api.decode({ modelId, z, n: 1 })).images;
        if (i >= WARM_DECODES) times[which].push(performance.now() - start);
        images[which] ??= out;
      } catch (error) {
        failed[which] = errorMessage(error);
      }
    };
    for (let i = 0; i < WARM_DECODES + TIMED_DECODES; i++) {
      const order: ('page' | 'engine')[] = i % 2 ? ['engine', 'page'] : ['page', 'engine'];
      for (const which of order) await side(which, i);
    }
    const page = failed.page ? null : quantile(times.page, 0.5);
    const engine = failed.engine ? null : quantile(times.engine, 0.5);
    if (page === null)
      return {
        modelId,
        page,
        engine,
        chosen: 'engine',
        why: `onnxruntime-web failed to decode: ${failed.page}`,
      };
    if (engine === null)
      return {
        modelId,
        page,
        engine,
        chosen: 'page',
        why: `the engine failed to decode: ${failed.engine}`,
      };
    const gap = maxDifference(images.page!, images.engine!);
    if (!(gap <= AGREEMENT))
      return {
        modelId,
        page: null,
        engine,
        chosen: 'engine',
        why: `the page's image differs from the engine's by up to ${gap.toPrecision(2)}`,
      };
    return page < engine
      ? {
          modelId,
          page,
          engine,
          chosen: 'page',
          why: `the page decodes faster: ${formatMs(page)} ms against ${formatMs(engine)} ms through the engine (medians of ${TIMED_DECODES})`,
        }
      : {
          modelId,
          page,
          engine,
          chosen: 'engine',
          why: `the engine decodes faster: ${formatMs(engine)} ms against ${formatMs(page)} ms in the page with onnxruntime-web (medians of ${TIMED_DECODES})`,
        };
  }

  /**
   * The page decoder of `modelId` failed on a decode: from now on the engine decodes that model.
   */
  failed(modelId: string, error: unknown): void {
    if (this.modelId !== modelId || this.choice?.chosen !== 'page') return;
    const why = `onnxruntime-web failed to decode: ${errorMessage(error)}`;
    this.choice = { ...this.choice, chosen: 'engine', why };
    this.reason = why;
  }

  /** New weights for the model on screen: fetch them, then redraw what the sliders show. */
  private async reload(modelId: string): Promise<void> {
    const had = this.for(modelId) !== null;
    const has = await this.load(modelId);
    if ((had || has) && this.app.modelId === modelId && this.enabled) this.app.traversal.redraw();
  }

  private setDense(decoder: MlpDecoder | null): void {
    this.decoder = decoder;
    this.mlp = decoder && {
      latentDim: decoder.latentDim,
      shape: decoder.shape,
      decode: (z, n) => decodeSliced(decoder, z, n),
    };
  }

  private setOnnx(decoder: OnnxPageDecoder | null): void {
    if (this.onnx && this.onnx !== decoder) this.onnx.dispose();
    this.onnx = decoder;
  }

  clear(): void {
    this.ticket++;
    this.setDense(null);
    this.setOnnx(null);
    this.choice = null;
    this.measuring = false;
    this.modelId = null;
    this.reason = null;
  }

  dispose(): void {
    this.unsubscribe();
    this.ticket++;
    this.setOnnx(null);
  }
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
