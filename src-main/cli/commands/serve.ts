import type { Command } from 'commander';
import { integer } from '../parse';

/** Commander's way to take an option more than once. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the explorer to a browser, token-protected, over a WebSocket')
    .option(
      '--host <address>',
      'interface to bind (default 127.0.0.1: this machine only)',
      '127.0.0.1',
    )
    .option('--port <n>', 'port (default: any free port)', integer(0, 65535), 0)
    .option('--library <dir>', 'model library folder (default: the desktop app’s)')
    .option(
      '--allow-dir <dir>',
      'a folder the page may read datasets and checkpoints from and export into, besides the library (repeatable)',
      collect,
      [] as string[],
    )
    .action(async (opts: { host: string; port: number; library?: string; allowDir: string[] }) => {
      // The server (ws, the contract's schemas) loads only when serve runs, not for --help.
      const { startServer } = await import('../../server');
      const server = await startServer({
        host: opts.host,
        port: opts.port,
        allowDirs: opts.allowDir,
        ...(opts.library ? { libraryDir: opts.library } : {}),
      });
      process.stdout.write(
        `Open ${server.url}\n` +
          `The page reads only ${server.readable.join(', ')}\n` +
          `and writes only ${server.writable.join(', ')} (see SECURITY.md)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
