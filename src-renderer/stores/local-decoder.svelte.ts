import { errorMessage } from '../api/connect';
import { MlpDecoder } from '../lib/decoding/mlp-decoder';
import type { LocalDecoderContext } from './context';

/**
 * The decoder of the model on screen, evaluated in the page when the engine says it is a plain
 * stack of Dense layers (`decoderWeights`): slider drags, preview strips and grids then decode
 * without a round trip. The engine stays the source of truth: the weights are fetched when a
 * model opens and again whenever the engine says they changed (`weightsChanged`: a checkpoint, a
 * mid-epoch snapshot, the end of a job), and every other model decodes in the engine.
 */
export class LocalDecoderStore {
  /** The page-side decoder, when the model `modelId` has one. */
  decoder = $state.raw<MlpDecoder | null>(null);
  /** The model `decoder` (or `reason`) belongs to. */
  modelId = $state<string | null>(null);
  /** Why that model decodes in the engine (a conv net, a failed fetch, ...), or null. */
  reason = $state<string | null>(null);
  /** Off: every decode goes to the engine (to compare both paths). */
  enabled = $state(true);

  private ticket = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly app: LocalDecoderContext) {
    this.unsubscribe = app.api.on('weightsChanged', (e) => {
      if (e.modelId === this.app.modelId) void this.reload(e.modelId);
    });
  }

  /** The decoder to decode model `modelId` with in the page, or null to ask the engine. */
  for(modelId: string): MlpDecoder | null {
    return this.enabled && this.modelId === modelId ? this.decoder : null;
  }

  /**
   * Fetches the weights of `modelId` (the latest call wins; a failure means decoding in the
   * engine). Resolves with whether a page-side decoder is in place for it. Never throws.
   */
  async load(modelId: string): Promise<boolean> {
    const ticket = ++this.ticket;
    let decoder: MlpDecoder | null = null;
    let reason: string | null = null;
    try {
      const weights = await this.app.api.decoderWeights({ modelId });
      if ('unsupported' in weights) reason = weights.unsupported;
      else decoder = new MlpDecoder(weights);
    } catch (error) {
      reason = `its weights could not be fetched: ${errorMessage(error)}`;
    }
    if (ticket !== this.ticket) return false;
    this.modelId = modelId;
    this.decoder = decoder;
    this.reason = reason;
    return decoder !== null;
  }

  /** New weights for the model on screen: fetch them, then redraw what the sliders show. */
  private async reload(modelId: string): Promise<void> {
    const had = this.for(modelId) !== null;
    const has = await this.load(modelId);
    if ((had || has) && this.app.modelId === modelId && this.enabled) this.app.traversal.redraw();
  }

  clear(): void {
    this.ticket++;
    this.decoder = null;
    this.modelId = null;
    this.reason = null;
  }

  dispose(): void {
    this.unsubscribe();
  }
}
