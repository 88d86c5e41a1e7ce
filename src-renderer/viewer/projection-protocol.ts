/**
 * What the page and a projection worker (UMAP, t-SNE) say to each other: one request with the
 * latents and the method's options, then progress (every tenth of the run with the embedding so
 * far), then the n × 3 embedding or an error, each tagged with the request's id.
 */
export interface ProjectionRequest<Options> {
  id: number;
  data: Float32Array;
  n: number;
  d: number;
  options: Options;
}

export type ProjectionResponse =
  | { type: 'progress'; id: number; epoch: number; epochs: number; embedding: Float32Array | null }
  | { type: 'done'; id: number; embedding: Float32Array }
  | { type: 'error'; id: number; message: string };

/** A projection method as the worker runs it (runUmap, runTsne). */
export type ProjectionRun<Options> = (
  data: Float32Array,
  n: number,
  d: number,
  options: Options,
  onProgress: (epoch: number, epochs: number, embedding: Float32Array | null) => void,
) => Float32Array;
