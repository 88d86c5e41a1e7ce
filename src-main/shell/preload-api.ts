import { createAtlasApi } from '../api/atlas-api';
import type { Outcome } from '../api/envelope';
import { IPC_EVENT_CHANNEL, ipcChannel, isEventName, type EventName } from '../api/names';
import type { ContextBridgeLike, IpcRendererLike } from './electron-types';

/**
 * Builds `window.atlas`: exactly the contract's methods and `on`, each a closure over one IPC
 * channel. Neither ipcRenderer nor its event objects reach the page (checklist: no raw IPC).
 * Imports only zod-free parts of the contract, so the sandboxed preload bundle stays small.
 */
export function exposeAtlas(contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike): void {
  const invoke = async (method: Parameters<typeof ipcChannel>[0], params: unknown) =>
    (await ipcRenderer.invoke(ipcChannel(method), params)) as Outcome;

  const subscribe = (event: EventName, listener: (payload: unknown) => void) => {
    if (!isEventName(event)) throw new Error(`unknown event "${String(event)}"`);
    if (typeof listener !== 'function') throw new Error('the listener must be a function');
    const handler = (_event: unknown, message: unknown) => {
      const { event: name, payload } = (message ?? {}) as { event?: unknown; payload?: unknown };
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  };

  contextBridge.exposeInMainWorld('atlas', createAtlasApi(invoke, subscribe));
}
