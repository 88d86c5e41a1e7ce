/**
 * The engine process's side of the channel to its supervisor: Electron's `process.parentPort` in
 * a utilityProcess, Node's IPC channel (`process.send`) in a forked child. Messages arriving
 * before a listener is attached are kept, so nothing sent during startup is lost.
 */
export interface ParentPort {
  send(message: unknown): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the supervisor goes away. */
  onDisconnect(listener: () => void): void;
}

interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export function parentPort(): ParentPort {
  const queue: unknown[] = [];
  let deliver: ((message: unknown) => void) | undefined;
  const receive = (message: unknown) => (deliver ? deliver(message) : queue.push(message));
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;

  let send: (message: unknown) => Promise<void>;
  let onDisconnect: (listener: () => void) => void;
  if (electronPort) {
    electronPort.on('message', (event) => receive(event.data));
    send = async (message) => electronPort.postMessage(message);
    // A utilityProcess is ended by Electron with its parent.
    onDisconnect = () => {};
  } else if (process.send) {
    process.on('message', receive);
    send = (message) =>
      new Promise<void>((resolve, reject) => {
        if (!process.connected) return resolve();
        process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
      });
    onDisconnect = (listener) => process.on('disconnect', listener);
  } else {
    throw new Error(
      'this is an engine host process: start it from the app or `latent-atlas serve`',
    );
  }

  return {
    send,
    onMessage(listener) {
      deliver = listener;
      for (const message of queue.splice(0)) listener(message);
    },
    onDisconnect,
  };
}
