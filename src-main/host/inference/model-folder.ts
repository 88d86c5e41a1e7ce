import { stat } from 'node:fs/promises';
import { AtlasError } from '../../api/errors';

/** One queue of writes per folder: saves into one model's folder run one after another. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task queued for `dir` has settled, failed or not. */
export function queued<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => {});
  queues.set(dir, settled);
  void settled.then(() => {
    if (queues.get(dir) === settled) queues.delete(dir);
  });
  return next;
}

/** Refuses a model whose folder is gone (deleted meanwhile) with the contract's not-found. */
export async function requireModelFolder(folder: string, modelId: string): Promise<void> {
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw new AtlasError('not-found', `no model "${modelId}"`);
}
