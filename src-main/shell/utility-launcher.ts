import type { HostLauncher, HostProcess } from '../host/process/launcher';
import type { UtilityProcessModuleLike } from './electron-types';

/**
 * Engine processes in the app: Electron utilityProcess (a Node.js child that Electron manages and
 * ends with the app). Messages posted before it has spawned are held and sent once it has.
 */
export function utilityLauncher(
  utilityProcess: UtilityProcessModuleLike,
  entry: string,
): HostLauncher {
  return (role, label): HostProcess => {
    const child = utilityProcess.fork(entry, [`--role=${role}`, `--label=${label}`], {
      serviceName: `Latent Atlas ${label}`,
      stdio: 'inherit',
    });
    let spawned = false;
    let exited = false;
    const queue: unknown[] = [];
    child.on('spawn', () => {
      spawned = true;
      for (const message of queue.splice(0)) child.postMessage(message);
    });
    child.on('exit', () => {
      exited = true;
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (exited) return;
        if (spawned) child.postMessage(message);
        else queue.push(message);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        // utilityProcess reports a code only; a crash shows as a non-zero code.
        child.on('exit', (code) => listener({ code, signal: null }));
      },
      kill() {
        if (!exited) child.kill();
      },
    };
  };
}
