import type { Command } from 'commander';
import { withOnnxFlags } from '../onnx-options';
import type { ImportOptions } from '../actions/import';

export function registerImport(program: Command): void {
  withOnnxFlags(program.command('import'))
    .description(
      'copy a model into the library: a checkpoint, a TensorFlow.js model, or an ONNX model (a decoder .onnx file, or a folder with decoder.onnx and encoder.onnx)',
    )
    .argument('<path>', 'the model folder or .onnx file')
    .option('--library <dir>', 'model library folder (default: the desktop app’s)')
    .option('--name <name>', 'display name (default: the folder or file name)')
    .option(
      '--dataset <spec>',
      'ONNX models: the dataset whose items the encoder reads (the cloud)',
    )
    .option('--json', 'print JSON')
    .action(async (source: string, opts: ImportOptions) => {
      const { importModel } = await import('../actions/import');
      await importModel(source, opts);
    });
}
