import type { TsneOptions } from '../lib/projection/tsne-run';

export interface TsneRequest {
  id: number;
  data: Float32Array;
  n: number;
  d: number;
  options: TsneOptions;
}

export type TsneResponse =
  | { type: 'progress'; id: number; epoch: number; epochs: number; embedding: Float32Array | null }
  | { type: 'done'; id: number; embedding: Float32Array }
  | { type: 'error'; id: number; message: string };
