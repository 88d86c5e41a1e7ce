import path from 'node:path';
import { openModel } from '../../engine/io/open-model';
import { copyIntoLibrary } from '../../host/library/library';
import { defaultLibraryDir } from '../../host/library/paths';
import { Output, warn } from '../output';
import { onnxOverrides, type OnnxFlags } from '../onnx-options';
import { initBackend } from '../../engine/backend';

export interface ImportOptions extends OnnxFlags {
  library?: string;
  name?: string;
  dataset?: string;
  json?: boolean;
}

/**
 * `latent-atlas import PATH`: opens the model first (a refusal copies nothing), then copies it into
 * the library under a fresh id; for ONNX models the flags and --dataset go into its atlas.json.
 */
export async function importModel(source: string, opts: ImportOptions): Promise<void> {
  await initBackend();
  const sidecar = { ...onnxOverrides(opts), ...(opts.dataset ? { dataset: opts.dataset } : {}) };
  const opened = await openModel(source, { onnx: sidecar });
  for (const line of opened.warnings) warn(line);
  const name = opts.name ?? opened.manifest.name;
  const info = {
    kind: opened.kind,
    latentDim: opened.model.latentDim,
    imageShape: opened.manifest.imageShape,
    encoder: opened.model.encoding,
  };
  opened.model.dispose();
  const libraryDir = path.resolve(opts.library ?? defaultLibraryDir());
  const modelId = await copyIntoLibrary(libraryDir, path.resolve(source), name, {
    ...(opened.kind === 'onnx' ? { sidecar } : {}),
  });
  new Output(Boolean(opts.json)).result(
    { modelId, name, library: libraryDir, ...info },
    `imported ${name} (${info.kind}, d = ${info.latentDim}, images [${info.imageShape.join(', ')}], ${info.encoder ? `encoder: ${info.encoder}` : 'no encoder'}) into ${libraryDir} as ${modelId}`,
  );
}
