import { initBackend } from '../../engine/backend';
import { listDatasets } from '../../engine/data/registry';
import { Output } from '../output';

export async function info(opts: { json?: boolean }, version: string): Promise<void> {
  const report = await initBackend();
  const lines = [
    `latent-atlas ${version} on Node ${process.versions.node}`,
    `backend: ${report.backend} (${report.chosen})`,
    ...report.attempts.map((a) => `  ${a.ok ? '✓' : '✗'} ${a.name.padEnd(15)} ${a.reason}`),
  ];
  new Output(Boolean(opts.json)).result(
    { version, node: process.versions.node, ...report },
    lines.join('\n'),
  );
}

export function datasets(opts: { json?: boolean }): void {
  const list = listDatasets();
  const width = Math.max(...list.map((d) => d.spec.length));
  new Output(Boolean(opts.json)).result(
    { datasets: list },
    list.map((d) => `${d.spec.padEnd(width)}  ${d.description}`).join('\n'),
  );
}
