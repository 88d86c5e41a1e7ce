import type { Command } from 'commander';
import { initBackend } from '../../engine/backend';
import { listDatasets } from '../../engine/data/registry';
import { Output } from '../output';

export function registerInfo(program: Command, version: string): void {
  program
    .command('info')
    .description('show the TensorFlow.js backend in use and why faster ones were not used')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await initBackend();
      const out = new Output(Boolean(opts.json));
      const lines = [
        `latent-atlas ${version} on Node ${process.versions.node}`,
        `backend: ${report.backend} (${report.chosen})`,
        ...report.attempts.map((a) => `  ${a.ok ? '✓' : '✗'} ${a.name.padEnd(15)} ${a.reason}`),
      ];
      out.result({ version, node: process.versions.node, ...report }, lines.join('\n'));
    });

  program
    .command('datasets')
    .description('list the datasets you can train on')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const list = listDatasets();
      const width = Math.max(...list.map((d) => d.spec.length));
      new Output(Boolean(opts.json)).result(
        { datasets: list },
        list.map((d) => `${d.spec.padEnd(width)}  ${d.description}`).join('\n'),
      );
    });
}
