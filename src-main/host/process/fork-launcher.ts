import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostLauncher, HostProcess } from './launcher';

export interface ForkLauncherOptions {
  /** The host entry script; default: the sources under tsx in dev, dist/host/host.js when built. */
  entry?: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Where the engine host's entry lives: next to this file when running from sources (through the
 * tsx loader), or dist/host/host.js next to the bundle this code was built into.
 */
export function defaultHostEntry(): { entry: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const loader = pathToFileURL(path.join(tsxDir, 'dist', 'loader.mjs')).href;
    return {
      entry: path.join(path.dirname(here), 'process-main.ts'),
      execArgv: ['--import', loader],
    };
  }
  return { entry: fileURLToPath(new URL('../host/host.js', import.meta.url)), execArgv: [] };
}

/** Headless engine processes: `child_process.fork` with structured-clone IPC. */
export function forkLauncher(options: ForkLauncherOptions = {}): HostLauncher {
  const defaults = defaultHostEntry();
  const entry = options.entry ?? defaults.entry;
  const execArgv = options.execArgv ?? defaults.execArgv;
  return (role, label): HostProcess => {
    const child = fork(entry, [`--role=${role}`, `--label=${label}`], {
      execArgv,
      env: { ...process.env, ...options.env },
      // Typed arrays must survive the trip: 'advanced' is structured clone, 'json' would not do.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // A send racing the child's exit must not take the supervisor down.
    child.on('error', () => {});
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message as never);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        child.on('exit', (code, signal) => listener({ code, signal }));
      },
      kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };
}
