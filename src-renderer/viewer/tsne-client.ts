import type { TsneOptions } from '../lib/projection/tsne-run';
import type { TsneRequest, TsneResponse } from './tsne-protocol';

export interface TsneJob {
  promise: Promise<Float32Array>;
  cancel(): void;
}

let nextId = 1;

/**
 * Runs t-SNE in a module Web Worker bundled by vite (same origin, so a strict CSP's
 * `worker-src 'self'` allows it). Each job gets its own worker, terminated when done or
 * cancelled, so a stale job cannot hold the CPU.
 */
export function startTsne(
  data: Float32Array,
  n: number,
  d: number,
  options: TsneOptions,
  onProgress: (epoch: number, epochs: number, embedding: Float32Array | null) => void,
): TsneJob {
  const worker = new Worker(new URL('./tsne.worker.ts', import.meta.url), { type: 'module' });
  const id = nextId++;
  let settle: { resolve: (e: Float32Array) => void; reject: (e: Error) => void };
  const promise = new Promise<Float32Array>((resolve, reject) => (settle = { resolve, reject }));
  worker.onmessage = (event: MessageEvent<TsneResponse>) => {
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
    settle.reject(new Error(event.message || 'the t-SNE worker failed'));
  };
  const request: TsneRequest = {
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
