import path from 'node:path';

/**
 * Paths the user chose in a native dialog this session. In the app the page may read or write
 * only those: a compromised page cannot import /etc or overwrite ~/.bashrc by naming it.
 * (A `serve` user holds the token and the machine, and types paths freely.)
 */
export class PathGrants {
  private readonly granted = new Set<string>();

  grant(target: string): string {
    const resolved = path.resolve(target);
    this.granted.add(resolved);
    return resolved;
  }

  allows(target: string): boolean {
    return this.granted.has(path.resolve(target));
  }
}

/** The params of each request that name a path the engine will read or write. */
export const PATH_PARAMS: Readonly<Record<string, string>> = {
  importFolderDataset: 'path',
  importModel: 'path',
  exportPng: 'path',
  exportNpy: 'path',
};
