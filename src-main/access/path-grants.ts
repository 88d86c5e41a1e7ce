import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a native dialog granted: a folder (chooseFolder, chooseCheckpoint) may be read, with
 * everything under it; a file (chooseSavePath) may be written, and nothing else.
 */
export type GrantKind = 'folder' | 'file';

interface Grant {
  kind: GrantKind;
  /** The path as the dialog returned it, resolved. */
  path: string;
  /** The same with symbolic links followed, at the time it was granted (see realPath). */
  real: string;
}

/**
 * Paths the user chose in a native dialog this session. In the app the page may read or write
 * only those (page-paths.ts checks every path a request names): a compromised page cannot import
 * /etc, describe ~/Pictures or overwrite ~/.bashrc by naming it.
 *
 * Reading a folder grants its whole tree; writing is limited to the exact file of a save dialog, so
 * a folder chosen to train on (which may well be ~/Documents) cannot be written into.
 */
export class PathGrants {
  private readonly granted: Grant[] = [];

  /** Grants `target`; returns it resolved (what the page is told was chosen). */
  async grant(target: string, kind: GrantKind): Promise<string> {
    const resolved = path.resolve(target);
    let real: string;
    try {
      real = await realPath(resolved);
    } catch {
      real = resolved;
    }
    if (!this.granted.some((g) => g.kind === kind && g.real === real)) {
      this.granted.push({ kind, path: resolved, real });
    }
    return resolved;
  }

  /** Whether the real path `real` lies inside (or is) a granted folder. */
  allowsRead(real: string): boolean {
    return this.granted.some((g) => g.kind === 'folder' && isWithin(g.real, real));
  }

  /** Whether the real path `real` is a file granted by a save dialog. */
  allowsWrite(real: string): boolean {
    return this.granted.some((g) => g.kind === 'file' && g.real === real);
  }
}

/** Whether `child` is `parent` or lies under it (both absolute and normalised). */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

/**
 * `target` resolved, with every symbolic link along it followed: what the file system will open.
 * A path that does not exist yet (a file about to be written) is its deepest existing ancestor's
 * real path plus the rest. A dangling link is refused: writing through it could create a file
 * anywhere. Other errors (a NUL byte, a link loop, no permission) are thrown.
 */
export async function realPath(target: string): Promise<string> {
  const rest: string[] = [];
  let head = path.resolve(target);
  for (;;) {
    try {
      return path.join(await realpath(head), ...rest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const link = await lstat(head).then(
        (stats) => stats.isSymbolicLink(),
        () => false,
      );
      if (link) throw new Error(`${head} is a symbolic link to a missing target`);
      const parent = path.dirname(head);
      if (parent === head) throw err;
      rest.unshift(path.basename(head));
      head = parent;
    }
  }
}
