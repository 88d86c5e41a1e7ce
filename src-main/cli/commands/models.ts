import type { Command } from 'commander';
import { integer } from '../parse';
import { withOnnxFlags } from '../onnx-options';
import type { EncodeOptions, DecodeOptions, SampleOptions } from '../actions/models';

export function registerModelCommands(program: Command): void {
  withOnnxFlags(program.command('encode'))
    .description('write posterior means as NPY (float32 [n, d]) and labels beside them')
    .argument('<ckpt>', 'checkpoint directory, or ONNX model (decoder.onnx file or folder)')
    .option('--data <spec>', 'dataset (default: the one it was trained on)')
    .option('--split <which>', 'train | test | all (train, then test)', 'all')
    .option(
      '--limit <n>',
      "encode the split's first N items: N rows (fewer if it is smaller)",
      integer(1),
    )
    .requiredOption('--out <file>', 'output .npy file')
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: EncodeOptions) => {
      if (!['train', 'test', 'all'].includes(opts.split))
        throw new Error(`--split must be train, test or all`);
      const { encode } = await import('../actions/models');
      await encode(ckpt, opts);
    });

  withOnnxFlags(program.command('decode'))
    .description('decode latent vectors from an NPY file into a PNG grid')
    .argument('<ckpt>', 'checkpoint directory, or ONNX model (decoder.onnx file or folder)')
    .argument('<z>', 'NPY file of shape [n, d]')
    .requiredOption('--out <file>', 'output PNG')
    .option('--n <n>', 'decode only the first N rows (default: all)', integer(1))
    .option('--scale <k>', 'enlarge each pixel k times', integer(1, 16), 2)
    .option('--json', 'print JSON')
    .action(async (ckpt: string, zFile: string, opts: DecodeOptions) => {
      const { decode } = await import('../actions/models');
      await decode(ckpt, zFile, opts);
    });

  withOnnxFlags(program.command('sample'))
    .description("draw from the model's prior and write a PNG grid")
    .argument('<ckpt>', 'checkpoint directory, or ONNX model (decoder.onnx file or folder)')
    .option('--n <n>', 'number of samples', integer(1, 10000), 64)
    .option('--seed <n>', 'seed', integer(0), 0)
    .requiredOption('--out <file>', 'output PNG')
    .option('--latents <file>', 'also write the latent vectors as NPY')
    .option('--scale <k>', 'enlarge each pixel k times', integer(1, 16), 2)
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: SampleOptions) => {
      const { sample } = await import('../actions/models');
      await sample(ckpt, opts);
    });
}
