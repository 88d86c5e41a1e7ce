import type { ModelInfo } from '../api/connect';

/**
 * An imported embedding (vectors with metadata, `format: 'embedding'`) has no decoder: the panels
 * that decode say so in one line instead of offering controls that cannot work.
 */
export const NO_DECODER = 'An imported embedding has no decoder: its points are given vectors';

/** Whether the model on screen can decode latents into images. */
export function decodes(model: Pick<ModelInfo, 'format'> | null | undefined): boolean {
  return model?.format !== 'embedding';
}

/** How a model card names what kind of model it is: its objective, ONNX, or embedding. */
export function modelKind(model: Pick<ModelInfo, 'format' | 'objective'>): string {
  if (model.format === 'onnx') return 'ONNX';
  if (model.format === 'embedding') return 'embedding (no decoder)';
  return model.objective;
}
