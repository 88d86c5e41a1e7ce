import type { ProjectionRequest, ProjectionResponse, ProjectionRun } from './projection-protocol';

/**
 * A projection worker's reply to one request: progress as it goes (every tenth of the run with
 * the embedding so far, else every tenth epoch without it), then the result or the error.
 * Separate from the worker files so that tests can drive it.
 */
export function handleProjectionRequest<Options>(
  run: ProjectionRun<Options>,
  request: ProjectionRequest<Options>,
  post: (message: ProjectionResponse, transfer: Transferable[]) => void,
): void {
  const { id, data, n, d, options } = request;
  try {
    const embedding = run(data, n, d, options, (epoch, epochs, partial) => {
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

/** Makes this worker answer projection requests with `run`. */
export function serveProjection<Options>(run: ProjectionRun<Options>): void {
  const scope = self as unknown as {
    onmessage: ((event: MessageEvent<ProjectionRequest<Options>>) => void) | null;
    postMessage(message: ProjectionResponse, transfer: Transferable[]): void;
  };
  scope.onmessage = (event) =>
    handleProjectionRequest(run, event.data, (message, transfer) =>
      scope.postMessage(message, transfer),
    );
}
