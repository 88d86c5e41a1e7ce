import { createRequire } from 'node:module';
import { tf } from './tf';
import { installFastGradients } from './training/fast-gradients';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendAttempt {
  name: BackendName;
  package: string;
  ok: boolean;
  reason: string;
}

export interface BackendReport {
  /** The tfjs backend in use: `tensorflow` (native, CPU or GPU), `wasm` or `cpu`. */
  backend: string;
  /** The candidate chosen, with its package. */
  chosen: BackendName;
  attempts: BackendAttempt[];
}

const require = createRequire(import.meta.url);
let report: BackendReport | undefined;

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 300);
}

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node ≥ 23 (and Electron ≥ 40) removed:
 * put it back before the native binding loads.
 */
function patchNodeUtil(): void {
  const util = require('node:util') as Record<string, unknown>;
  if (typeof util.isNullOrUndefined !== 'function') {
    util.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  }
}

async function tryNative(pkg: string, name: BackendName): Promise<BackendAttempt> {
  try {
    patchNodeUtil();
    require(pkg);
    const ok = await tf.setBackend('tensorflow');
    if (!ok) return { name, package: pkg, ok: false, reason: 'backend failed to initialise' };
    if (name === 'tensorflow-gpu') {
      // tfjs-node-gpu silently runs on the CPU when CUDA is missing; say so instead.
      const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
      if (backend.isUsingGpuDevice === false) {
        return { name, package: pkg, ok: false, reason: 'loaded, but no CUDA GPU is usable' };
      }
    }
    return { name, package: pkg, ok: true, reason: 'native libtensorflow loaded' };
  } catch (err) {
    const text = message(err);
    const reason = /Cannot find (module|package)/.test(text)
      ? `${pkg} is not installed (optional dependency; needs internet at install time)`
      : `${pkg} failed to load: ${text}`;
    return { name, package: pkg, ok: false, reason };
  }
}

async function tryWasm(): Promise<BackendAttempt> {
  const pkg = '@tensorflow/tfjs-backend-wasm';
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    const ok = await tf.setBackend('wasm');
    if (!ok) return { name: 'wasm', package: pkg, ok: false, reason: 'wasm module failed to load' };
    return { name: 'wasm', package: pkg, ok: true, reason: 'WebAssembly with SIMD' };
  } catch (err) {
    return { name: 'wasm', package: pkg, ok: false, reason: message(err) };
  }
}

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendOptions {
  /** Force one backend (e.g. `cpu` for bit-reproducible runs); the others are reported as skipped. */
  prefer?: BackendName;
}

/**
 * Picks the fastest backend that works: tfjs-node-gpu, tfjs-node, wasm, then the pure-JS cpu
 * backend, and records why each faster one was not used. Idempotent.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendReport> {
  const prefer = options.prefer ?? (process.env.LATENT_ATLAS_BACKEND as BackendName | undefined);
  if (report && (!prefer || report.chosen === prefer)) return report;
  if (prefer && !ORDER.includes(prefer)) {
    throw new Error(`unknown backend "${prefer}": choose one of ${ORDER.join(', ')}`);
  }
  // Production mode: no debug checks, and no console banner suggesting tfjs-node on every start.
  tf.enableProdMode();
  const attempts: BackendAttempt[] = [];
  let chosen: BackendName | undefined;
  for (const name of ORDER) {
    if (chosen) break;
    if (prefer && name !== prefer) {
      attempts.push({
        name,
        package: packageOf(name),
        ok: false,
        reason: `skipped: ${prefer} requested`,
      });
      continue;
    }
    const attempt =
      name === 'tensorflow-gpu'
        ? await tryNative('@tensorflow/tfjs-node-gpu', name)
        : name === 'tensorflow'
          ? await tryNative('@tensorflow/tfjs-node', name)
          : name === 'wasm'
            ? await tryWasm()
            : {
                name,
                package: packageOf(name),
                ok: await tf.setBackend('cpu'),
                reason: 'pure JavaScript',
              };
    attempts.push(attempt);
    if (attempt.ok) chosen = name;
  }
  if (!chosen) throw new Error(`no TensorFlow.js backend could start: ${JSON.stringify(attempts)}`);
  await tf.ready();
  installFastGradients();
  report = { backend: tf.getBackend(), chosen, attempts };
  return report;
}

function packageOf(name: BackendName): string {
  return {
    'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
    tensorflow: '@tensorflow/tfjs-node',
    wasm: '@tensorflow/tfjs-backend-wasm',
    cpu: '@tensorflow/tfjs-backend-cpu',
  }[name];
}

export function backendReport(): BackendReport | undefined {
  return report;
}
