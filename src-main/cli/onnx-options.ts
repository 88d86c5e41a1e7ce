import { Option, type Command } from 'commander';

/** What the CLI can state about an ONNX model, as atlas.json would (engine/onnx/onnx-sidecar.ts). */
export interface OnnxFlags {
  prior?: 'gaussian' | 'sphere';
  output?: 'logits' | 'probs' | 'tanh';
  layout?: 'nchw' | 'nhwc' | 'flat';
  inputSize?: string;
}

/** Adds the flags that override an ONNX model's inferred prior, output range, layout and size. */
export function withOnnxFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--prior <prior>', 'ONNX models: the prior z was trained against').choices([
        'gaussian',
        'sphere',
      ]),
    )
    .addOption(
      new Option('--output <range>', "ONNX models: what the decoder's output values are").choices([
        'logits',
        'probs',
        'tanh',
      ]),
    )
    .addOption(
      new Option('--layout <layout>', 'ONNX models: image tensor layout').choices([
        'nchw',
        'nhwc',
        'flat',
      ]),
    )
    .option('--input-size <HxWxC>', 'ONNX models: one image’s size, e.g. 28x28x1');
}

/** The flags given, as atlas.json fields. */
export function onnxOverrides(opts: OnnxFlags): Record<string, string> {
  return Object.fromEntries(
    (['prior', 'output', 'layout', 'inputSize'] as const)
      .filter((k) => opts[k] !== undefined)
      .map((k) => [k, opts[k] as string]),
  );
}
