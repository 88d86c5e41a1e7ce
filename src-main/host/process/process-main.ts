import { initBackend } from '../../engine/backend';
import { parentPort } from './parent-port';
import { runInferenceHost } from '../inference/inference-host';
import { runTrainWorker } from '../training/train-worker';

/**
 * Entry of every engine process (`--role=inference` or `--role=train`), in an Electron
 * utilityProcess or a Node child. The backend is chosen first, through initBackend, which also
 * patches `util.isNullOrUndefined` for tfjs-node on Node ≥ 23 / Electron ≥ 40 before loading it.
 */
const role = process.argv.find((a) => a.startsWith('--role='))?.slice('--role='.length);
const port = parentPort();

try {
  if (role !== 'inference' && role !== 'train') throw new Error(`unknown engine role "${role}"`);
  const backend = await initBackend();
  if (role === 'inference') runInferenceHost(port, backend);
  else runTrainWorker(port, backend);
} catch (err) {
  const message = `engine process could not start: ${err instanceof Error ? err.message : String(err)}`;
  await port.send(
    role === 'train'
      ? { type: 'failed', message, epoch: 0, resumable: false }
      : { type: 'fatal', message },
  );
  process.exit(1);
}
