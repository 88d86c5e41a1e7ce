import type { Command } from 'commander';
import type { ExportOptions } from '../actions/export';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write the model as ONNX for use elsewhere (e.g. Python): decoder.onnx, encoder.onnx when it has an encoder, and atlas.json',
    )
    .argument('<ckpt>', 'checkpoint directory (or a TensorFlow.js layers model folder)')
    .requiredOption('--format <format>', 'onnx (the only format so far)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--force', 'replace --out when it is not empty')
    .option('--json', 'print JSON')
    .action(async (ckpt: string, opts: ExportOptions) => {
      if (opts.format !== 'onnx')
        throw new Error(`--format must be onnx (the only export format), got "${opts.format}"`);
      const { exportModel } = await import('../actions/export');
      await exportModel(ckpt, opts);
    });
}
