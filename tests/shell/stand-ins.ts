import type {
  IpcMainInvokeEventLike,
  IpcMainLike,
  WebFrameMainLike,
} from '../../src-main/shell/electron-types';

type Handler = (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown;

/** ipcMain as a map of channels to handlers; `call` plays a renderer invoking one. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async call(channel: string, event: IpcMainInvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export function frame(url: string, parent: WebFrameMainLike | null = null): WebFrameMainLike {
  return { url, parent };
}

export function eventFrom(
  url: string | null,
  options: { senderId?: number; parent?: WebFrameMainLike | null } = {},
): IpcMainInvokeEventLike {
  return {
    senderFrame: url === null ? null : frame(url, options.parent ?? null),
    sender: { id: options.senderId ?? 1 },
  };
}
