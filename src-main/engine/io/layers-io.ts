import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../tf';

/**
 * The standard TensorFlow.js layers-model format on disk — `model.json` plus binary weight shards
 * — as `model.save()` and `tensorflowjs_converter` write it, read and written without tfjs-node.
 */
type WeightsManifestEntry = tf.io.WeightsManifestEntry;

const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes a weight occupies in its shard, honouring quantisation. */
function byteLength(spec: WeightsManifestEntry): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES[dtype];
  if (!bytes) throw new Error(`weight ${spec.name} has unsupported dtype ${dtype}`);
  return spec.shape.reduce((a, b) => a * b, 1) * bytes;
}

/** Files to write for one model: model.json and one weights shard. */
export function modelFiles(
  artifacts: tf.io.ModelArtifacts,
  shard = 'weights.bin',
): Map<string, Uint8Array | string> {
  const data = artifacts.weightData;
  const buffer =
    data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data as ArrayBuffer[]);
  const json = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs ?? [] }],
  };
  return new Map<string, Uint8Array | string>([
    ['model.json', JSON.stringify(json)],
    [shard, new Uint8Array(buffer)],
  ]);
}

/** The artifacts of a layers model, captured without touching the disk. */
export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return captured!;
}

/**
 * Reads `dir/model.json` and its shards into ModelArtifacts, checking each file exists and holds
 * exactly the bytes the manifest promises. Errors name the file at fault.
 */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, 'model.json');
  if (!existsSync(jsonPath)) throw new Error(`${jsonPath}: missing`);
  let json: {
    modelTopology?: object;
    format?: string;
    weightsManifest?: { paths: string[]; weights: WeightsManifestEntry[] }[];
    generatedBy?: string;
    convertedBy?: string | null;
  };
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (err) {
    throw new Error(`${jsonPath}: not valid JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new Error(`${jsonPath}: no modelTopology: not a TensorFlow.js layers model`);
  }
  if (json.format && json.format !== 'layers-model') {
    throw new Error(
      `${jsonPath}: format "${json.format}" is a graph model; only layers models can be loaded`,
    );
  }
  const groups = json.weightsManifest ?? [];
  if (!Array.isArray(groups)) throw new Error(`${jsonPath}: weightsManifest is not a list`);
  const specs: WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of groups) {
    const expected = group.weights.reduce((sum, w) => sum + byteLength(w), 0);
    const parts: Uint8Array[] = [];
    for (const shard of group.paths) {
      const file = path.join(dir, shard);
      if (!existsSync(file)) throw new Error(`${file}: missing (listed in ${jsonPath})`);
      parts.push(new Uint8Array(await readFile(file)));
    }
    const got = parts.reduce((sum, p) => sum + p.byteLength, 0);
    if (got !== expected) {
      const files = group.paths.map((p) => path.join(dir, p)).join(', ');
      throw new Error(
        `${files}: ${got} bytes, but ${jsonPath} describes ${expected}: truncated or corrupt weights`,
      );
    }
    specs.push(...group.weights);
    buffers.push(...parts);
  }
  const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    weightSpecs: specs,
    weightData: weightData.buffer,
  };
}

/** True when `dir` holds a model.json. */
export async function hasModelJson(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, 'model.json'))).isFile();
  } catch {
    return false;
  }
}
