import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DatasetOptions } from '../../api/records';

/**
 * What the library remembers besides its checkpoints, in `<library>/.atlas/library.json`: display
 * names (a rename never rewrites a checkpoint a training process may be swapping), which models
 * came from the bundled demos, and the folder datasets the user imported. Only the inference
 * host writes it, so there is a single writer; writes are atomic (temp file + rename).
 */
export const LibraryState = z.object({
  version: z.literal(1).default(1),
  names: z.record(z.string(), z.string()).default({}),
  demo: z.array(z.string()).default([]),
  /** Demo folders already copied in once (a demo the user deleted does not come back). */
  seededDemos: z.array(z.string()).default([]),
  datasets: z
    .array(
      z.object({ spec: z.string(), description: z.string(), options: DatasetOptions.default({}) }),
    )
    .default([]),
});
export type LibraryState = z.infer<typeof LibraryState>;

export const stateDir = (libraryDir: string): string => path.join(libraryDir, '.atlas');
const stateFile = (libraryDir: string): string => path.join(stateDir(libraryDir), 'library.json');

export async function readLibraryState(libraryDir: string): Promise<LibraryState> {
  const file = stateFile(libraryDir);
  if (!existsSync(file)) return LibraryState.parse({});
  try {
    return LibraryState.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    // Unreadable state must not lock the user out of their models: keep it aside, start afresh.
    await rename(file, `${file}.unreadable-${Date.now()}`).catch(() => {});
    return LibraryState.parse({});
  }
}

export async function writeLibraryState(libraryDir: string, state: LibraryState): Promise<void> {
  await mkdir(stateDir(libraryDir), { recursive: true });
  const file = stateFile(libraryDir);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(state, null, 1));
  await rename(tmp, file);
}

let chain: Promise<unknown> = Promise.resolve();

/** Read-modify-write in one step, one at a time (handlers interleave at every await). */
export function updateLibraryState(
  libraryDir: string,
  change: (state: LibraryState) => void,
): Promise<LibraryState> {
  const next = chain.then(async () => {
    const state = await readLibraryState(libraryDir);
    change(state);
    await writeLibraryState(libraryDir, state);
    return state;
  });
  chain = next.catch(() => {});
  return next;
}
