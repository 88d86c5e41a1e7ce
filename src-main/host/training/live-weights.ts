import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Mid-epoch weights of a model in training, for the inference host only (never resumed from).
 * Each snapshot is a fresh checkpoint folder that is never rewritten, and a `current` file names
 * the newest: the training process writes while the inference host reads, and neither ever sees
 * a folder half-swapped. Only the newest few are kept. Kept apart from library.ts so the
 * supervisor, which must not load TensorFlow.js, can use it too.
 *
 *   <library>/.atlas/live/<modelId>/current      "w-1732170000000-3"
 *   <library>/.atlas/live/<modelId>/w-…/         a checkpoint (engine/io/checkpoint.ts)
 */
const KEEP = 3;

export function liveWeightsDir(libraryDir: string, modelId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelId) || modelId.includes('..')) {
    throw new Error(`"${modelId}" is not a model id`);
  }
  return path.join(libraryDir, '.atlas', 'live', modelId);
}

let sequence = 0;

/** Writes one snapshot with `save` (into a folder that does not exist yet) and makes it current. */
export async function writeLiveWeights(
  libraryDir: string,
  modelId: string,
  save: (dir: string) => Promise<unknown>,
): Promise<void> {
  const root = liveWeightsDir(libraryDir, modelId);
  await mkdir(root, { recursive: true });
  const name = `w-${Date.now()}-${sequence++}`;
  await save(path.join(root, name));
  const pointer = path.join(root, 'current');
  await writeFile(`${pointer}.tmp`, name);
  await rename(`${pointer}.tmp`, pointer);
  const snapshots = (await readdir(root)).filter((f) => /^w-\d+-\d+$/.test(f)).sort(bySequence);
  for (const old of snapshots.slice(0, -KEEP))
    await rm(path.join(root, old), { recursive: true, force: true });
}

/** The newest complete snapshot's folder, or undefined when there is none. */
export async function currentLiveWeights(
  libraryDir: string,
  modelId: string,
): Promise<string | undefined> {
  const root = liveWeightsDir(libraryDir, modelId);
  try {
    const name = (await readFile(path.join(root, 'current'), 'utf8')).trim();
    return /^w-\d+-\d+$/.test(name) ? path.join(root, name) : undefined;
  } catch {
    return undefined;
  }
}

export async function removeLiveWeights(libraryDir: string, modelId: string): Promise<void> {
  await rm(liveWeightsDir(libraryDir, modelId), { recursive: true, force: true });
}

function bySequence(a: string, b: string): number {
  const [, ta, sa] = a.split('-').map(Number);
  const [, tb, sb] = b.split('-').map(Number);
  return ta - tb || sa - sb;
}
