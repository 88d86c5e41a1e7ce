import type { UmapOptions } from '../lib/projection/umap-run';

export interface UmapRequest {
  id: number;
  data: Float32Array;
  n: number;
  d: number;
  options: UmapOptions;
}

export type UmapResponse =
  | { type: 'progress'; id: number; epoch: number; epochs: number; embedding: Float32Array | null }
  | { type: 'done'; id: number; embedding: Float32Array }
  | { type: 'error'; id: number; message: string };
