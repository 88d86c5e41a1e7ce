#!/usr/bin/env node
// `npm start`: builds, then opens the desktop app. Where Electron's binary is missing (it is an
// optional dependency: `npm install` on a machine with internet brings it) or there is no display
// (a headless server, CI), it says so in one line and starts `latent-atlas serve` instead,
// printing the URL to open. Flags: --no-build, --serve (force), --host H, --port P, --dist DIR.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dist = path.resolve(root, option('--dist') ?? 'dist');

/** Why the desktop app cannot open here, or undefined when it can. */
function electronUnavailable(env = process.env, platform = process.platform) {
  if (args.includes('--serve') || env.LATENT_ATLAS_SERVE === '1') return 'serve requested';
  let binary;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    return 'Electron is not installed (an optional dependency that needs internet at `npm install`)';
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return 'the Electron binary is missing';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return 'no display is available';
  return undefined;
}

if (!args.includes('--no-build')) {
  const built = spawnSync(
    process.execPath,
    [path.join(root, 'scripts', 'build.mjs'), '--outdir', dist],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const why = electronUnavailable();
if (!why) {
  const electron = createRequire(import.meta.url)('electron');
  const child = spawn(electron, [root], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  console.log(`${why}: starting \`latent-atlas serve\` instead.`);
  const { startServer } = await import(pathToFileURL(path.join(dist, 'server', 'index.js')).href);
  const port = option('--port');
  const server = await startServer({
    ...(option('--host') ? { host: option('--host') } : {}),
    ...(port ? { port: Number(port) } : {}),
  });
  console.log(`Open ${server.url}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
