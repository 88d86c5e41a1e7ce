import type { Outcome } from '../api/envelope';
import { ipcChannel, METHOD_NAMES, type MethodName } from '../api/names';
import type { IpcMainInvokeEventLike, IpcMainLike } from './electron-types';
import { PATH_PARAMS, type PathGrants } from './path-grants';

export interface IpcHandlerOptions {
  ipcMain: IpcMainLike;
  /** Whether the event comes from the app's own page (sender.ts). */
  isTrusted(event: IpcMainInvokeEventLike): boolean;
  /** Answers a request (the supervisor's `invoke`, which validates params against the contract). */
  invoke(method: MethodName, params: unknown): Promise<Outcome>;
  /** When given, path params must have been chosen in a native dialog. */
  grants?: PathGrants;
}

/**
 * One `ipcMain.handle` per contract method. Every call is checked for its sender first, then for
 * granted paths; payloads are validated by `invoke`. Replies are outcomes (never thrown errors),
 * so the page gets the error's code and message intact.
 */
export function registerIpcHandlers(options: IpcHandlerOptions): () => void {
  const { ipcMain, isTrusted, invoke, grants } = options;
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
      const key = PATH_PARAMS[method];
      const target =
        key && params && typeof params === 'object'
          ? (params as Record<string, unknown>)[key]
          : undefined;
      if (grants && typeof target === 'string' && !grants.allows(target)) {
        return {
          ok: false,
          error: {
            code: 'refused',
            message: `refused "${method}": ${target} was not chosen in a file dialog`,
          },
        };
      }
      return invoke(method, params);
    });
  }
  return () => METHOD_NAMES.forEach((method) => ipcMain.removeHandler(ipcChannel(method)));
}
