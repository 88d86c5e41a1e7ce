import type { Command } from 'commander';
import { integer } from '../parse';
import { withOnnxFlags } from '../onnx-options';
import type { EvalOptions } from '../actions/eval';

export function registerEval(program: Command): void {
  withOnnxFlags(program.command('eval'))
    .description(
      'test ELBO, reconstruction, KL, IWAE log-likelihood, active units and coverage of a checkpoint',
    )
    .argument('<ckpt>', 'checkpoint directory, or ONNX model (decoder.onnx file or folder)')
    .option('--data <spec>', 'dataset (default: the one it was trained on)')
    .option('--limit <n>', 'use the first N test items', integer(1))
    .option('--iw <k>', 'importance-weighted log-likelihood with k samples', integer(1, 100000))
    .option('--seed <n>', 'seed for sampling', integer(0), 0)
    .option('--report <file>', 'write the coverage of the encoded test set as an HTML report')
    .option('--plots <file>', "write the coverage plots' data as JSON")
    .option('--json', 'print the figures as JSON (the plot data only with --plots)')
    .action(async (ckpt: string, opts: EvalOptions) => {
      const { evaluateCheckpoint } = await import('../actions/eval');
      await evaluateCheckpoint(ckpt, opts);
    });
}
