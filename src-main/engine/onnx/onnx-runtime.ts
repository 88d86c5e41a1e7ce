import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;
export type OrtTensor = Ort.Tensor;

let runtime: Promise<OrtModule> | null = null;

/** ONNX Runtime for Node, loaded on first use so the CLI's other commands never pay for it. */
export function onnxRuntime(): Promise<OrtModule> {
  runtime ??= import('onnxruntime-node')
    .then((m) => ((m as { default?: OrtModule }).default ?? m) as OrtModule)
    .catch((err: Error) => {
      runtime = null;
      throw new Error(
        `ONNX models need the onnxruntime-node package, which did not load: ${err.message} (run npm install)`,
      );
    });
  return runtime;
}

/**
 * Whether the CUDA provider's library is beside the CPU binaries: the package does not ship it (the
 * install script fetches it, which `.npmrc` skips; `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild
 * onnxruntime-node` brings it on a machine with a GPU and internet).
 */
function cudaProviderInstalled(): boolean {
  if (process.platform !== 'linux' && process.platform !== 'win32') return false;
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    const bin = path.join(
      path.dirname(main),
      '..',
      'bin',
      'napi-v6',
      process.platform,
      process.arch,
    );
    const lib =
      process.platform === 'win32'
        ? 'onnxruntime_providers_cuda.dll'
        : 'libonnxruntime_providers_cuda.so';
    return existsSync(path.join(bin, lib));
  } catch {
    return false;
  }
}

/** What runs ONNX models here: the package's version and the providers it can use, for `info`. */
export async function onnxRuntimeReport(): Promise<{
  available: boolean;
  version: string | null;
  providers: string[];
  reason: string;
}> {
  try {
    const ort = await onnxRuntime();
    const cuda = cudaProviderInstalled();
    return {
      available: true,
      version: ort.env.versions.node ?? null,
      providers: cuda ? ['cuda', 'cpu'] : ['cpu'],
      reason: cuda
        ? 'the CUDA provider is installed: ONNX models run on the GPU where it starts'
        : 'CPU (the CUDA provider is not installed; see the README to add it on a GPU machine)',
    };
  } catch (err) {
    return { available: false, version: null, providers: [], reason: (err as Error).message };
  }
}

/** One line of an ONNX Runtime message: they carry stack-like tails and repeat the path. */
export function runtimeMessage(err: unknown): string {
  const text = (err as Error)?.message ?? String(err);
  return text
    .split('\n')[0]
    .replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '')
    .trim();
}

/**
 * A session on the fastest execution provider that loads: CUDA where its provider libraries are
 * installed (see the README), else the CPU binaries the package ships. `provider` says which, and
 * `why` why an installed CUDA provider did not start.
 */
export async function createSession(
  bytes: Uint8Array,
  file: string,
): Promise<{ session: OrtSession; provider: string; why?: string }> {
  const ort = await onnxRuntime();
  const cuda = cudaProviderInstalled();
  let why: string | undefined;
  if (cuda) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cuda', 'cpu'],
      });
      return { session, provider: 'cuda' };
    } catch (err) {
      why = `CUDA did not start: ${runtimeMessage(err)}`;
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    return { session, provider: 'cpu', ...(why ? { why } : {}) };
  } catch (err) {
    throw new Error(`${file}: ONNX Runtime cannot run this model: ${runtimeMessage(err)}`);
  }
}
