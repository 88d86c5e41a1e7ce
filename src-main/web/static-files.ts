import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isWithin } from '../access/path-grants';

export const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file under `root` a URL path names, or undefined when it names nothing or tries to leave
 * `root` (`..`, encoded separators, absolute paths, NUL bytes).
 */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = path.posix.normalize(decoded).replace(/^\/+/, '');
  if (relative.split('/').some((part) => part === '..')) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, relative || 'index.html');
  if (file !== base && !file.startsWith(base + path.sep)) return undefined;
  return file;
}

export interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * The file a URL path names under `root`, or undefined. Symbolic links are followed before the
 * check, so a link inside `root` that points out of it (a file or a folder) serves nothing.
 */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | undefined> {
  const file = resolveStatic(root, urlPath);
  if (!file) return undefined;
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(file), realpath(root)]);
  } catch {
    return undefined; // missing, a dangling link, or unreadable: nothing to serve
  }
  if (!isWithin(realRoot, real)) return undefined;
  const info = await stat(real);
  if (!info.isFile()) return undefined;
  return {
    body: await readFile(real),
    type: MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
  };
}

/** Shown when dist/renderer has not been built: says what to do, runs no script. */
export function placeholderPage(rendererDir: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Latent Atlas</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#eee;padding:0 .3em}</style>
</head>
<body>
<h1>Latent Atlas</h1>
<p>The engine is running, but the window's page has not been built: nothing is in <code>${escapeHtml(rendererDir)}</code>.</p>
<p>Run <code>npm run build</code> and reload this page.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
