import type { Outcome } from '../api/envelope';
import { ipcChannel, METHOD_NAMES, type MethodName } from '../api/names';
import type { DatasetEntry, ModelInfo } from '../api/records';
import type { IpcMainInvokeEventLike, IpcMainLike } from './electron-types';
import { checkPagePaths } from '../access/page-paths';
import type { PathGrants } from '../access/path-grants';

export interface IpcHandlerOptions {
  ipcMain: IpcMainLike;
  /** Whether the event comes from the app's own page (sender.ts). */
  isTrusted(event: IpcMainInvokeEventLike): boolean;
  /** Answers a request (the supervisor's `invoke`, which validates params against the contract). */
  invoke(method: MethodName, params: unknown): Promise<Outcome>;
  /** Paths chosen in native dialogs: every path the page names must be one (page-paths.ts). */
  grants: PathGrants;
}

/**
 * One `ipcMain.handle` per contract method. Every call is checked for its sender first, then for
 * the paths it names (page-paths.ts); payloads are validated by `invoke`. Replies are outcomes
 * (never thrown errors), so the page gets the error's code and message intact.
 *
 * Only this transport checks paths: `serve` (src-main/server) trusts its token holder to type
 * paths, see page-paths.ts.
 */
export function registerIpcHandlers(options: IpcHandlerOptions): () => void {
  const { ipcMain, isTrusted, invoke, grants } = options;
  const context = { grants, librarySpecs: () => librarySpecs(invoke) };
  for (const method of METHOD_NAMES) {
    ipcMain.handle(ipcChannel(method), async (event, params): Promise<Outcome> => {
      if (!isTrusted(event)) {
        return {
          ok: false,
          error: {
            code: 'refused',
            message: `refused "${method}": the sender is not the app's own page`,
          },
        };
      }
      const refusal = await checkPagePaths(method, params, context);
      if (refusal) return { ok: false, error: refusal };
      return invoke(method, params);
    });
  }
  return () => METHOD_NAMES.forEach((method) => ipcMain.removeHandler(ipcChannel(method)));
}

/**
 * The dataset specs the library holds, asked of the engine when a dataset path was not chosen in
 * a dialog this session: folders imported earlier, and the datasets its models were trained on.
 */
async function librarySpecs(
  invoke: (method: MethodName, params: unknown) => Promise<Outcome>,
): Promise<string[]> {
  const [datasets, models] = await Promise.all([
    invoke('listDatasets', {}),
    invoke('listModels', {}),
  ]);
  const specs: string[] = [];
  if (datasets.ok) {
    for (const entry of (datasets.result as { datasets: DatasetEntry[] }).datasets)
      if (entry.imported) specs.push(entry.spec);
  }
  if (models.ok) {
    for (const model of (models.result as { models: ModelInfo[] }).models)
      if (model.dataset) specs.push(model.dataset.spec);
  }
  return specs;
}
