import { runUmap } from '../lib/projection/umap-run';
import type { UmapRequest, UmapResponse } from './umap-protocol';

/** UMAP off the main thread: one job at a time, progress posted as it goes. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<UmapRequest>) => void) | null;
  postMessage(message: UmapResponse, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { id, data, n, d, options } = event.data;
  const post = (message: UmapResponse, transfer: Transferable[] = []) =>
    scope.postMessage(message, transfer);
  try {
    const embedding = runUmap(data, n, d, options, (epoch, epochs, partial) => {
      if (partial)
        post({ type: 'progress', id, epoch, epochs, embedding: partial }, [partial.buffer]);
      else if (epoch % 10 === 0) post({ type: 'progress', id, epoch, epochs, embedding: null });
    });
    post({ type: 'done', id, embedding }, [embedding.buffer]);
  } catch (error) {
    post({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
  }
};
