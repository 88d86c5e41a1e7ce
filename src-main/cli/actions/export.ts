import { existsSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../engine/backend';
import { loadCheckpoint } from '../../engine/io/checkpoint';
import { checkExportTarget, exportOnnx } from '../../engine/onnx/onnx-export';
import { Output, warn } from '../output';
import { version } from '../version';

export interface ExportOptions {
  format: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

/** `latent-atlas export CKPT --format onnx --out DIR`. */
export async function exportModel(ckpt: string, opts: ExportOptions): Promise<void> {
  const dir = path.resolve(opts.out);
  const source = path.resolve(ckpt);
  // Before loading anything: a refusal should not wait for the model.
  await checkExportTarget(dir, { force: opts.force, source });
  // The TensorFlow.js model itself (its layers are what is translated), never its optimizer.
  await initBackend();
  const loaded = await loadCheckpoint(source);
  for (const line of [...loaded.tidied, ...loaded.warnings]) warn(line);
  try {
    const split = existsSync(path.join(source, 'decoder', 'model.json'));
    const result = await exportOnnx(loaded.vae, dir, {
      source: {
        name: loaded.manifest.name,
        format: loaded.kind,
        dir: source,
        files: {
          encoder: path.join(source, 'encoder', 'model.json'),
          decoder: path.join(source, ...(split ? ['decoder'] : []), 'model.json'),
        },
      },
      force: Boolean(opts.force),
      producerVersion: version,
    });
    const { sidecar } = result;
    const [h, w, c] = sidecar.inputSize.split('x');
    const d = sidecar.latentDim;
    const lines = [
      `wrote ${result.files.join(', ')} to ${dir}`,
      `  decoder.onnx: z [N, ${d}] → image [N, ${c}, ${h}, ${w}], probabilities in [0, 1]`,
      result.encoderOutputs
        ? `  encoder.onnx: image [N, ${c}, ${h}, ${w}] → ${result.encoderOutputs.join(', ')} [N, ${d}]`
        : `  no encoder.onnx: ${result.encoderSkipped}`,
    ];
    new Output(Boolean(opts.json)).result({ out: dir, ...result }, lines.join('\n'));
  } finally {
    loaded.vae.dispose();
  }
}
