import { errorMessage } from '../api/connect';
import type { CoverageReport } from '../api/connect';
import type { CoverageContext } from './context';

/** The coverage report of the model on screen (computed by the engine on request). */
export class CoverageStore {
  report = $state.raw<CoverageReport | null>(null);
  raw = $state.raw<Record<string, unknown> | null>(null);
  modelId = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  limit = $state(5000);

  constructor(private readonly app: CoverageContext) {}

  private ticket = 0;

  clear(): void {
    this.ticket++;
    this.loading = false;
    this.report = null;
    this.raw = null;
    this.modelId = null;
    this.error = null;
  }

  /** Hole centres (latent vectors) for the viewer's markers. */
  get holeCenters(): number[][] {
    return this.report?.holes?.centers ?? [];
  }

  async load(modelId = this.app.modelId): Promise<void> {
    if (!modelId) return;
    const ticket = ++this.ticket;
    this.loading = true;
    this.error = null;
    try {
      const { report } = await this.app.api.coverage({ modelId, limit: this.limit });
      if (ticket !== this.ticket || this.app.modelId !== modelId) return;
      this.raw = report;
      this.report = report;
      this.modelId = modelId;
    } catch (error) {
      if (ticket === this.ticket) this.error = errorMessage(error);
    } finally {
      if (ticket === this.ticket) this.loading = false;
    }
  }

  /** Fetches a report for any model without showing it (the compare view). */
  async fetch(modelId: string): Promise<CoverageReport | null> {
    try {
      const { report } = await this.app.api.coverage({ modelId, limit: this.limit });
      return report;
    } catch (error) {
      this.app.notices.push(`Coverage failed: ${errorMessage(error)}`, 'error');
      return null;
    }
  }
}
