import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  coverageReport,
  coverageVerdicts,
  type CoverageReport,
  type Tone,
} from '../../engine/coverage';
import { renderReportHtml } from '../report-html';
import { readLatentMatrix } from '../../engine/io/npy';
import { Output } from '../output';

export interface CoverageOptions {
  prior: 'gaussian' | 'sphere';
  seed: number;
  report?: string;
  plots?: string;
  json?: boolean;
}

const MARK: Record<Tone, string> = { good: '✓', warn: '!', bad: '✗', info: '·' };

/**
 * The report for people: the summary, then each test's figures and its verdict — the same list
 * the HTML report and the app's coverage panel show (shared/coverage-verdicts.ts).
 */
export function coverageText(report: CoverageReport): string {
  const [summary, ...tests] = coverageVerdicts(report);
  const width = Math.max(...tests.map((v) => v.title.length));
  return [
    `${report.n} × ${report.d} latents against the ${report.prior} prior (${report.rows.used} finite rows used)`,
    `${MARK[summary.tone]} ${summary.text}`,
    ...tests.flatMap((v) => [
      `  ${MARK[v.tone]} ${v.title.padEnd(width)}  ${v.detail}${v.note ? `  (${v.note})` : ''}`,
      `    ${' '.repeat(width)}  ${v.text}`,
    ]),
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
