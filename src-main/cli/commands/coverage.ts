import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  coverageReport,
  renderReportHtml,
  summaryRows,
  type CoverageReport,
} from '../../engine/coverage';
import { readLatentMatrix } from '../../engine/npy';
import { Output } from '../output';
import { integer } from '../parse';

/** Prints the report as aligned rows for people. */
export function coverageText(report: CoverageReport): string {
  const rows = summaryRows(report);
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `${report.n} × ${report.d} latents against the ${report.prior} prior (${report.rows.used} finite rows used)`,
    ...rows.map(
      ([name, value, note]) => `  ${name.padEnd(width)}  ${value}${note ? `  (${note})` : ''}`,
    ),
    ...report.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

export async function writeReport(
  file: string,
  report: CoverageReport,
  title: string,
): Promise<string> {
  const out = path.resolve(file);
  await writeFile(out, renderReportHtml(report, { title }));
  return out;
}

export function registerCoverage(program: Command): void {
  program
    .command('coverage')
    .description('does a latent matrix fill the prior? Mardia, radius/pairwise KS, MMD, holes, …')
    .argument('<z>', 'NPY file, float32 or float64, shape [n, d]')
    .option('--prior <kind>', 'gaussian | sphere', 'gaussian')
    .option('--seed <n>', 'seed for subsamples, prior draws and permutations', integer(0), 0)
    .option('--report <file>', 'write a self-contained HTML report with plots')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        zFile: string,
        opts: { prior: string; seed: number; report?: string; json?: boolean },
      ) => {
        if (opts.prior !== 'gaussian' && opts.prior !== 'sphere') {
          throw new Error(`--prior must be gaussian or sphere, got "${opts.prior}"`);
        }
        const z = await readLatentMatrix(zFile);
        const report = coverageReport(z.data, z.n, z.d, { prior: opts.prior, seed: opts.seed });
        const html = opts.report
          ? await writeReport(opts.report, report, `Coverage of ${path.basename(zFile)}`)
          : null;
        new Output(Boolean(opts.json)).result(
          { ...report, ...(html ? { report_file: html } : {}) },
          coverageText(report) + (html ? `\nreport: ${html}` : ''),
        );
      },
    );
}
