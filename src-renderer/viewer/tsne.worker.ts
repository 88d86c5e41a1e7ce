import { handleTsneRequest } from './tsne-handler';
import type { TsneRequest, TsneResponse } from './tsne-protocol';

/** t-SNE off the main thread: one job per worker, progress posted as it goes. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<TsneRequest>) => void) | null;
  postMessage(message: TsneResponse, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) =>
  handleTsneRequest(event.data, (message, transfer) => scope.postMessage(message, transfer));
