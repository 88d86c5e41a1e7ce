import type { TsneOptions } from '../lib/projection/tsne-run';
import type { UmapOptions } from '../lib/projection/umap-run';
import type { ProjectionRequest, ProjectionResponse } from './projection-protocol';

/** A projection computing in a worker: its embedding (n × 3) when done, and a way to stop it. */
export interface ProjectionJob {
  promise: Promise<Float32Array>;
  cancel(): void;
}

type Progress = (epoch: number, epochs: number, embedding: Float32Array | null) => void;

let nextId = 1;

/**
 * Runs a projection in `worker`, a module Web Worker bundled by vite (same origin, so a strict
 * CSP's `worker-src 'self'` allows it). Each job gets its own worker, terminated when done or
 * cancelled, so a stale job cannot hold the CPU.
 */
function runInWorker<Options>(
  worker: Worker,
  what: string,
  data: Float32Array,
  n: number,
  d: number,
  options: Options,
  onProgress: Progress,
): ProjectionJob {
  const id = nextId++;
  let settle: { resolve: (e: Float32Array) => void; reject: (e: Error) => void };
  const promise = new Promise<Float32Array>((resolve, reject) => (settle = { resolve, reject }));
  worker.onmessage = (event: MessageEvent<ProjectionResponse>) => {
    const m = event.data;
    if (m.id !== id) return;
    if (m.type === 'progress') onProgress(m.epoch, m.epochs, m.embedding);
    else if (m.type === 'done') {
      worker.terminate();
      settle.resolve(m.embedding);
    } else {
      worker.terminate();
      settle.reject(new Error(m.message));
    }
  };
  worker.onerror = (event) => {
    worker.terminate();
    settle.reject(new Error(event.message || `the ${what} worker failed`));
  };
  const request: ProjectionRequest<Options> = {
    id,
    data: Float32Array.from(data.subarray(0, n * d)),
    n,
    d,
    options,
  };
  worker.postMessage(request, [request.data.buffer]);
  return {
    promise,
    cancel() {
      worker.terminate();
      settle.reject(new Error('cancelled'));
    },
  };
}

// Each worker's URL is written out where it is created: vite bundles a worker from the literal
// `new Worker(new URL(…, import.meta.url))`.

/** UMAP of n rows of dimension d, in a worker. */
export function startUmap(
  data: Float32Array,
  n: number,
  d: number,
  options: UmapOptions,
  onProgress: Progress,
): ProjectionJob {
  const worker = new Worker(new URL('./umap.worker.ts', import.meta.url), { type: 'module' });
  return runInWorker(worker, 'UMAP', data, n, d, options, onProgress);
}

/** t-SNE of n rows of dimension d, in a worker. */
export function startTsne(
  data: Float32Array,
  n: number,
  d: number,
  options: TsneOptions,
  onProgress: Progress,
): ProjectionJob {
  const worker = new Worker(new URL('./tsne.worker.ts', import.meta.url), { type: 'module' });
  return runInWorker(worker, 't-SNE', data, n, d, options, onProgress);
}
