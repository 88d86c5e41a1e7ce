import { z } from 'zod';

/** How a decoder's output values map to pixel intensities. */
export const OutputRange = z.enum(['logits', 'probs', 'tanh']);
export type OutputRange = z.infer<typeof OutputRange>;

/** How an image tensor is laid out: PyTorch's [n, C, H, W], TensorFlow's [n, H, W, C], or flat. */
export const ImageLayout = z.enum(['nchw', 'nhwc', 'flat']);
export type ImageLayout = z.infer<typeof ImageLayout>;

/** `28x28x1` (height × width × channels), or [28, 28, 1]. */
const InputSize = z.union([
  z
    .string()
    .regex(/^\d+x\d+x(1|3)$/, 'write it as HxWxC, e.g. 28x28x1 (C is 1 or 3)')
    .transform((s) => s.split('x').map(Number) as [number, number, number]),
  z.tuple([z.number().int().min(1), z.number().int().min(1), z.literal(1).or(z.literal(3))]),
]);

/**
 * `atlas.json` beside an ONNX model (read by engine/onnx/onnx-sidecar.ts): what cannot be inferred from the graph (the guesses are in
 * onnx-inspect.ts), each field optional. The same fields come from the CLI on import.
 */
export const OnnxSidecar = z
  .object({
    /** The prior the latent was trained against: a standard Gaussian or the uniform sphere. */
    prior: z.enum(['gaussian', 'sphere']).optional(),
    output: OutputRange.optional(),
    /** Layout of the decoder's output and the encoder's input. */
    layout: ImageLayout.optional(),
    /** One image's shape, for flat outputs that are not square gray or RGB images. */
    inputSize: InputSize.optional(),
    /** Which decoder input takes z, when the decoder has several. */
    latentInput: z.string().min(1).optional(),
    /** Values for the decoder's other inputs (e.g. a class one-hot), the same for every row. */
    constants: z.record(z.string(), z.array(z.number())).optional(),
    /**
     * The pixel range the encoder takes: `unit` [0, 1] (the default: torchvision's ToTensor) or
     * `signed` [−1, 1] (an encoder trained on normalised images).
     */
    encoderInput: z.enum(['unit', 'signed']).optional(),
    /** The dataset spec whose items the model encodes (`mnist`, `folder:…`): the app's cloud. */
    dataset: z.string().min(1).optional(),
    /** Options for opening `dataset` (e.g. the size a `folder:` of images is read at). */
    datasetOptions: z
      .object({
        size: z.number().int().min(1).optional(),
        channels: z.union([z.literal(1), z.literal(3)]).optional(),
        limit: z.number().int().min(1).optional(),
        seed: z.number().int().min(0).optional(),
      })
      .optional(),
  })
  .passthrough();
export type OnnxSidecar = z.infer<typeof OnnxSidecar>;
export type OnnxSidecarInput = z.input<typeof OnnxSidecar>;

export function parseSidecar(value: unknown, where: string): OnnxSidecar {
  const result = OnnxSidecar.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new Error(`${where}: ${at}${issue.message}`);
}
