import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  coverageReport,
  renderReportHtml,
  summaryRows,
  type CoverageReport,
} from '../../engine/coverage';
import { readLatentMatrix } from '../../engine/npy';
import type { CoverageOptions } from '../commands/coverage';
import { Output } from '../output';

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

/**
 * The report's figures without its plot data: the arrays behind the plots are most of its size
 * (~100 KB), so JSON output carries them only when asked for, in a file of their own.
 */
export async function splitPlots(
  report: CoverageReport,
  plotsFile: string | undefined,
): Promise<{ figures: Omit<CoverageReport, 'plots'>; plotsFile: string | null }> {
  const { plots, ...figures } = report;
  if (!plotsFile) return { figures, plotsFile: null };
  const file = path.resolve(plotsFile);
  await writeFile(file, `${JSON.stringify(plots)}\n`);
  return { figures, plotsFile: file };
}

export async function coverage(zFile: string, opts: CoverageOptions): Promise<void> {
  const z = await readLatentMatrix(zFile);
  const report = coverageReport(z.data, z.n, z.d, { prior: opts.prior, seed: opts.seed });
  const html = opts.report
    ? await writeReport(opts.report, report, `Coverage of ${path.basename(zFile)}`)
    : null;
  const { figures, plotsFile } = await splitPlots(report, opts.plots);
  new Output(Boolean(opts.json)).result(
    {
      ...figures,
      ...(html ? { report_file: html } : {}),
      ...(plotsFile ? { plots_file: plotsFile } : {}),
    },
    coverageText(report) +
      (html ? `\nreport: ${html}` : '') +
      (plotsFile ? `\nplot data: ${plotsFile}` : ''),
  );
}
