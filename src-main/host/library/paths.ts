import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The app's product name: Electron's user-data folder is named after it. */
export const PRODUCT_NAME = 'Latent Atlas';

/**
 * Where Electron keeps this app's user data (`app.getPath('userData')`), computed without
 * Electron so `serve` on the same machine opens the same model library as the desktop app.
 */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  const home = os.homedir();
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
}

/** The model library: `$LATENT_ATLAS_LIBRARY`, else `<user data>/models`. */
export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LATENT_ATLAS_LIBRARY
    ? path.resolve(env.LATENT_ATLAS_LIBRARY)
    : path.join(userDataDir(env), 'models');
}

/** The folder holding the app's package.json (the repo in dev, the app folder when packaged). */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'latent-atlas')
          return dir;
      } catch {
        /* keep looking */
      }
    }
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** The bundled demo checkpoints (resources/demo in the app). */
export function defaultDemoDir(): string {
  return path.join(appRoot(), 'resources', 'demo');
}

/** The built renderer (vite's output). */
export function defaultRendererDir(): string {
  return path.join(appRoot(), 'dist', 'renderer');
}
