import { lstat, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Outcome } from '../api/envelope';
import { AtlasError } from '../api/errors';
import type { MethodName } from '../api/names';
import type { ErrorInfo } from '../api/records';
import { parseParams } from '../api/validate';
import { sidecarPath } from '../api/sidecar';
import { requestPaths } from '../access/page-paths';
import { isWithin, realPath } from '../access/path-grants';

/**
 * Paths are capabilities over `serve`: whoever holds the token drives the page, so a path the page
 * names is used only inside folders the operator gave `serve` when it started:
 * - read (datasets, image folders, checkpoints to import): the library (with its `datasets/` and
 *   `uploads/` folders) and every `--allow-dir` folder;
 * - write (exportPng, exportNpy with a path): the library's `exports/` folder and every
 *   `--allow-dir` folder, only files of the type the method writes (.png, .npy), and never over an
 *   existing file unless the request says `overwrite: true`.
 * Paths must be absolute (the engine's working directory is nobody's choice) and are checked with
 * every symbolic link followed. Which params hold paths comes from PATH_PARAMS
 * (src-main/access/page-paths.ts), the table the desktop app's checks use, so a new method that
 * takes a path is checked here as soon as it is listed there. Without a path the page gets the
 * bytes back and saves them as a browser download.
 */

/** The folders inside the library that `serve` reads from or writes to. */
export interface ServeFolders {
  library: string;
  /** Where the page's exports with a path go (and nowhere else but `--allow-dir` folders). */
  exports: string;
  /** Where files sent from the browser are to land; readable like the library. */
  uploads: string;
  /** Where an operator puts datasets (image folders, IDX files) for the page to train on. */
  datasets: string;
}

export function serveFolders(libraryDir: string): ServeFolders {
  const library = path.resolve(libraryDir);
  return {
    library,
    exports: path.join(library, 'exports'),
    uploads: path.join(library, 'uploads'),
    datasets: path.join(library, 'datasets'),
  };
}

/** The file type each writing method produces: a method writing something else is refused. */
const SAVE_EXTENSIONS: Partial<Record<MethodName, string>> = {
  exportPng: '.png',
  exportNpy: '.npy',
};

interface Root {
  /** As the operator named it (for messages). */
  shown: string;
  /** With symbolic links followed. */
  real: string;
}

export class ServePathPolicy {
  private constructor(
    readonly folders: ServeFolders,
    private readonly readRoots: Root[],
    private readonly writeRoots: Root[],
  ) {}

  /**
   * Creates the library's exports, uploads and datasets folders and checks every `allowDirs`
   * entry: an existing folder, resolved against the operator's working directory now.
   */
  static async create(
    libraryDir: string,
    allowDirs: readonly string[] = [],
  ): Promise<ServePathPolicy> {
    const folders = serveFolders(libraryDir);
    for (const dir of [folders.exports, folders.uploads, folders.datasets])
      await mkdir(dir, { recursive: true });
    const allowed: Root[] = [];
    for (const dir of allowDirs) {
      const resolved = path.resolve(dir);
      const info = await stat(resolved).catch(() => undefined);
      if (!info?.isDirectory()) throw new Error(`--allow-dir ${dir}: not an existing folder`);
      allowed.push({ shown: resolved, real: await realPath(resolved) });
    }
    const root = async (dir: string): Promise<Root> => ({ shown: dir, real: await realPath(dir) });
    return new ServePathPolicy(
      folders,
      [await root(folders.library), ...allowed],
      [await root(folders.exports), ...allowed],
    );
  }

  /** Folders the page may read from / write into, as the operator named them. */
  get readable(): string[] {
    return this.readRoots.map((r) => r.shown);
  }
  get writable(): string[] {
    return this.writeRoots.map((r) => r.shown);
  }

  /** `invoke` with every request's paths checked first; a refusal is answered without the engine. */
  guard(
    invoke: (method: MethodName, params: unknown) => Promise<Outcome>,
  ): (method: MethodName, params: unknown) => Promise<Outcome> {
    return async (method, params) => {
      const refusal = await this.check(method, params);
      return refusal ? { ok: false, error: refusal } : invoke(method, params);
    };
  }

  /**
   * The error to answer `method` with, or null when every path it names is allowed (or it names
   * none). Params are validated first, so the check sees what the engine would (defaults filled),
   * and invalid ones get the contract's own error.
   */
  async check(method: MethodName, params: unknown): Promise<ErrorInfo | null> {
    if (!requestPaths(method, params)) return null;
    let parsed: unknown;
    try {
      parsed = parseParams(method, params);
    } catch (err) {
      return AtlasError.from(err).toInfo();
    }
    const found = requestPaths(method, parsed);
    if (!found) return null;
    // A spec the engine's parser refuses names no path the engine would open: the engine answers
    // it with its own message. A scheme the table cannot see into is refused here.
    if ('code' in found) return found.code === 'invalid-params' ? null : found;
    const refuse = (message: string): ErrorInfo => ({
      code: 'refused',
      message: `refused "${method}": ${message}`,
    });
    for (const target of found.targets) {
      if (!path.isAbsolute(target)) {
        return refuse(
          `"${target}" is not an absolute path (serve resolves no path against the engine's working directory)`,
        );
      }
      let real: string;
      try {
        real = await realPath(target);
      } catch (err) {
        return refuse(`cannot check ${target}: ${(err as Error).message}`);
      }
      const shown = real === path.resolve(target) ? target : `${target} (${real})`;
      if (found.use === 'save') {
        const problem = await this.writeProblem(method, real, parsed);
        if (problem) return refuse(`${shown} ${problem}`);
        continue;
      }
      if (!this.readRoots.some((r) => isWithin(r.real, real))) {
        return refuse(
          `${shown} is outside the folders serve may read (${this.readable.join(', ')}); the operator can allow a folder with serve --allow-dir`,
        );
      }
    }
    return null;
  }

  /** Why `real` may not be written by `method`, or null. */
  private async writeProblem(
    method: MethodName,
    real: string,
    params: unknown,
  ): Promise<string | null> {
    if (!this.writeRoots.some((r) => isWithin(r.real, real) && r.real !== real)) {
      return `is outside the folders serve may write (${this.writable.join(', ')}); the operator can allow a folder with serve --allow-dir`;
    }
    const extension = SAVE_EXTENSIONS[method];
    if (!extension)
      return `cannot be written: serve does not know what kind of file ${method} writes`;
    if (path.extname(real).toLowerCase() !== extension) return `must end in ${extension}`;
    const overwrite = (params as { overwrite?: boolean }).overwrite === true;
    const problem = await replaceProblem(real, overwrite);
    if (problem) return problem;
    // exportPng's sidecar lands beside the PNG as <name>.json, under the same rule.
    if (method === 'exportPng' && (params as { sidecar?: string }).sidecar !== undefined) {
      const sidecar = await replaceProblem(sidecarPath(real), overwrite);
      if (sidecar) return `has a sidecar ${path.basename(sidecarPath(real))} that ${sidecar}`;
    }
    return null;
  }
}

/** Why the file at `real` may not be (re)written, or null. */
async function replaceProblem(real: string, overwrite: boolean): Promise<string | null> {
  const existing = await lstat(real).catch(() => undefined);
  if (!existing) return null;
  if (!existing.isFile()) return 'exists and is not a regular file';
  if (!overwrite) return 'exists; send overwrite: true to replace it';
  return null;
}
