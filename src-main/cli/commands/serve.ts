import type { Command } from 'commander';
import { startServer } from '../../server';
import { integer } from '../parse';

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
    .action(async (opts: { host: string; port: number; library?: string }) => {
      const server = await startServer({
        host: opts.host,
        port: opts.port,
        ...(opts.library ? { libraryDir: opts.library } : {}),
      });
      process.stdout.write(`Open ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
