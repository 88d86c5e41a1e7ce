import type { ModelDetail, ModelInfo } from '../api/connect';
import { errorMessage } from '../api/connect';
import type { LibraryContext } from './context';

/** The model library: the list, the open model, rename, delete, import, compare picks. */
export class LibraryStore {
  models = $state.raw<ModelInfo[]>([]);
  current = $state.raw<ModelDetail | null>(null);
  opening = $state<string | null>(null);
  /** Up to two model ids picked for side-by-side comparison. */
  compare = $state.raw<string[]>([]);

  constructor(private readonly app: LibraryContext) {}

  async refresh(): Promise<void> {
    try {
      const { models } = await this.app.api.listModels({});
      this.models = models;
      const cur = this.current;
      if (cur) {
        const fresh = models.find((m) => m.modelId === cur.modelId);
        if (fresh && (fresh.name !== cur.name || fresh.epoch !== cur.epoch))
          this.current = { ...cur, ...fresh };
      }
      this.compare = this.compare.filter((id) => models.some((m) => m.modelId === id));
    } catch (error) {
      this.app.notices.push(`Could not list models: ${errorMessage(error)}`, 'error');
    }
  }

  /** The model to open first: a demo with a Gaussian latent, else the first demo, else any. */
  defaultModel(): ModelInfo | undefined {
    const ms = this.models;
    return (
      ms.find((m) => m.demo && m.latent.kind === 'gaussian' && /mnist/i.test(m.name + m.modelId)) ??
      ms.find((m) => m.demo && m.latent.kind === 'gaussian') ??
      ms.find((m) => m.demo) ??
      ms[0]
    );
  }

  /** Fetches a model's detail and makes it current, unless `stale()` says a later open won. */
  async open(modelId: string, stale: () => boolean = () => false): Promise<ModelDetail | null> {
    this.opening = modelId;
    try {
      const { model } = await this.app.api.openModel({ modelId });
      if (stale()) return null;
      this.current = model;
      for (const warning of model.warnings ?? []) this.app.notices.push(warning, 'error');
      return model;
    } catch (error) {
      if (!stale())
        this.app.notices.push(`Could not open the model: ${errorMessage(error)}`, 'error');
      return null;
    } finally {
      if (!stale()) this.opening = null;
    }
  }

  async rename(modelId: string, name: string): Promise<void> {
    try {
      const { model } = await this.app.api.renameModel({ modelId, name });
      this.models = this.models.map((m) => (m.modelId === modelId ? model : m));
      if (this.current?.modelId === modelId) this.current = { ...this.current, name: model.name };
    } catch (error) {
      this.app.notices.push(`Could not rename: ${errorMessage(error)}`, 'error');
    }
  }

  async remove(modelId: string): Promise<void> {
    try {
      await this.app.api.deleteModel({ modelId });
      this.models = this.models.filter((m) => m.modelId !== modelId);
      this.compare = this.compare.filter((id) => id !== modelId);
      if (this.current?.modelId === modelId) {
        this.current = null;
        const next = this.defaultModel();
        if (next) await this.app.openModel(next.modelId);
        else this.app.cloud.set(null);
      }
    } catch (error) {
      this.app.notices.push(`Could not delete: ${errorMessage(error)}`, 'error');
    }
  }

  async importFrom(path: string, name?: string): Promise<void> {
    try {
      const { model } = await this.app.api.importModel({ path, name: name || undefined });
      await this.refresh();
      this.app.notices.push(`Imported “${model.name}”`, 'success');
    } catch (error) {
      this.app.notices.push(`Could not import: ${errorMessage(error)}`, 'error');
    }
  }

  toggleCompare(modelId: string): void {
    const cur = this.compare;
    this.compare = cur.includes(modelId)
      ? cur.filter((id) => id !== modelId)
      : [...cur, modelId].slice(-2);
  }
}
