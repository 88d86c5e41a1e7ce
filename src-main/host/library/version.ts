import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appRoot } from './paths';

let cached: string | undefined;

/** The app's version from its package.json (found from src-main/, dist/ or app.asar/dist/). */
export function appVersion(): string {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as {
      version?: string;
    };
    cached = pkg.version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
