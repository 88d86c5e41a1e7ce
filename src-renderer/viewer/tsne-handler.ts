import { runTsne } from '../lib/projection/tsne-run';
import type { TsneRequest, TsneResponse } from './tsne-protocol';

/**
 * The t-SNE worker's reply to one request: progress as it goes (every tenth of the run with the
 * embedding so far), then the result or the error. Separate from the worker file so that tests
 * can drive it.
 */
export function handleTsneRequest(
  request: TsneRequest,
  post: (message: TsneResponse, transfer: Transferable[]) => void,
): void {
  const { id, data, n, d, options } = request;
  try {
    const embedding = runTsne(data, n, d, options, (epoch, epochs, partial) => {
      if (partial)
        post({ type: 'progress', id, epoch, epochs, embedding: partial }, [partial.buffer]);
      else if (epoch % 10 === 0) post({ type: 'progress', id, epoch, epochs, embedding: null }, []);
    });
    post({ type: 'done', id, embedding }, [embedding.buffer]);
  } catch (error) {
    post(
      { type: 'error', id, message: error instanceof Error ? error.message : String(error) },
      [],
    );
  }
}
