import type { Command } from 'commander';

export function registerInfo(program: Command, version: string): void {
  program
    .command('info')
    .description('show the TensorFlow.js backend in use and why faster ones were not used')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { info } = await import('../actions/info');
      await info(opts, version);
    });

  program
    .command('datasets')
    .description('list the datasets you can train on')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { datasets } = await import('../actions/info');
      datasets(opts);
    });
  program
    .command('parts')
    .description('list the latent geometries and objectives you can train with, and their settings')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { parts } = await import('../actions/info');
      await parts(opts);
    });
}
