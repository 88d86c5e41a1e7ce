import { existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * What an atomic save (checkpoint.ts) leaves beside `<dir>` when its process dies:
 *   `<dir>.saving-<pid>-<time>`    the new checkpoint being written (complete once it has a manifest)
 *   `<dir>.previous-<pid>-<time>`  the old checkpoint, moved aside for the swap
 * The pid says whose they are; while that process lives they are its business. Once it is gone they
 * are leftovers: the newest `previous` is put back when `<dir>` is missing, the rest removed.
 */
const LEFTOVER = /^(.*)\.(saving|previous)-(\d+)-(\d+)$/;

/** Saves in flight in this process, per checkpoint folder (its own leftovers are not stale then). */
const savingHere = new Map<string, number>();

export function leftoverOf(
  name: string,
): { base: string; kind: 'saving' | 'previous'; pid: number } | null {
  const match = LEFTOVER.exec(name);
  return match
    ? { base: match[1], kind: match[2] as 'saving' | 'previous', pid: Number(match[3]) }
    : null;
}

/** Marks `dir` as being saved by this process until `work` settles. */
export async function whileSaving<T>(dir: string, work: () => Promise<T>): Promise<T> {
  savingHere.set(dir, (savingHere.get(dir) ?? 0) + 1);
  try {
    return await work();
  } finally {
    const left = savingHere.get(dir)! - 1;
    if (left > 0) savingHere.set(dir, left);
    else savingHere.delete(dir);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SettleOptions {
  /**
   * Count this process as alive whatever it is doing (the library host, which never saves). By
   * default this process's leftovers are stale unless it is saving `dir` now: after a restart in a
   * container the new process often gets the dead one's pid.
   */
  ownPidAlive?: boolean;
  /** The caller is one of this process's saves of `dir` (whileSaving), and does not count. */
  fromSave?: boolean;
}

/**
 * Puts back or removes the leftovers of dead saves of `dir`; returns one line per folder touched
 * (empty when there was nothing to do), for the caller to report.
 */
export async function settleLeftovers(dir: string, options: SettleOptions = {}): Promise<string[]> {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  if (!existsSync(parent)) return [];
  const stale = (await readdir(parent))
    .map((name) => ({ name, leftover: leftoverOf(name) }))
    .filter(({ leftover }) => {
      if (!leftover || leftover.base !== base) return false;
      if (leftover.pid === process.pid)
        return (
          !options.ownPidAlive &&
          (savingHere.get(path.resolve(dir)) ?? 0) <= (options.fromSave ? 1 : 0)
        );
      return !alive(leftover.pid);
    })
    // Newest last: when several could stand in for a missing `<dir>`, the newest wins.
    .sort((a, b) => Number(LEFTOVER.exec(a.name)![4]) - Number(LEFTOVER.exec(b.name)![4]));
  const done: string[] = [];
  if (!existsSync(dir)) {
    // Killed between its two renames: the old checkpoint, moved aside, is the one to keep.
    const pick = stale.findLast(({ leftover }) => leftover!.kind === 'previous');
    if (pick) {
      await rename(path.join(parent, pick.name), dir);
      done.push(`put back ${pick.name} as ${base} (its save was interrupted)`);
    }
  }
  for (const { name } of stale) {
    const folder = path.join(parent, name);
    if (!existsSync(folder)) continue;
    await rm(folder, { recursive: true, force: true });
    done.push(`removed ${name}, left by an interrupted save`);
  }
  return done;
}
