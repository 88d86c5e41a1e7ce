// The coverage report as one self-contained HTML file: the verdicts and their figures as a table
// (readable without scripts; the same list the page's coverage panel shows), the report JSON embedded, and the plots drawn in the browser by Observable Plot,
// whose UMD bundle and d3's are inlined — no CDN, works offline.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type { CoverageReport } from '../shared/coverage-report';
import { coverageVerdicts } from '../shared/coverage-verdicts';

export interface RenderOptions {
  /** The scripts to inline; read from node_modules by default. */
  scripts?: { d3: string; plot: string };
  title?: string;
}

let cachedScripts: { d3: string; plot: string } | undefined;

/** d3's and Observable Plot's browser bundles from the installed packages. */
export function plotScripts(): { d3: string; plot: string } {
  if (!cachedScripts) {
    // Both packages export only their entry points, so locate their folders from those.
    const plotEntry = createRequire(import.meta.url).resolve('@observablehq/plot');
    const d3Entry = createRequire(plotEntry).resolve('d3');
    const plotPath = join(
      packageFolder(plotEntry, '@observablehq/plot'),
      'dist',
      'plot.umd.min.js',
    );
    const d3Path = join(packageFolder(d3Entry, 'd3'), 'dist', 'd3.min.js');
    cachedScripts = { d3: readFileSync(d3Path, 'utf8'), plot: readFileSync(plotPath, 'utf8') };
  }
  return cachedScripts;
}

/** The folder of package `name` that contains the resolved file `entry`. */
function packageFolder(entry: string, name: string): string {
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the ${name} package from ${entry}`);
  return entry.slice(0, at + marker.length);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON safe inside <script>: no "</script", no "<!--", no U+2028/9 surprises. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const inlineScript = (code: string) => code.replace(/<\/script/gi, '<\\/script');

/** The report as a self-contained HTML document. */
export function renderReportHtml(report: CoverageReport, options: RenderOptions = {}): string {
  const scripts = options.scripts ?? plotScripts();
  const title =
    options.title ?? `Coverage report — ${report.n} × ${report.d}, ${report.prior} prior`;
  const [summary, ...tests] = coverageVerdicts(report);
  const table = tests
    .map(
      (v) =>
        `<tr class="${v.tone}"><th>${escapeHtml(v.title)}</th><td class="figures">${escapeHtml(v.detail)}</td><td>${escapeHtml(v.text)}</td><td class="note">${escapeHtml(v.note)}</td></tr>`,
    )
    .join('\n');
  const warnings = report.warnings.length
    ? `<ul class="warnings">${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { text-align: left; padding: 0.3rem 0.8rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.note, .note { color: #666; font-size: 12px; }
td.figures { font-variant-numeric: tabular-nums; }
tr.good > th, .summary.good { border-left: 4px solid #2a8a4a; }
tr.warn > th, .summary.warn { border-left: 4px solid #c98a00; }
tr.bad > th, .summary.bad { border-left: 4px solid #c0392b; }
tr.info > th, .summary.info { border-left: 4px solid #999; }
.summary { padding: 0.4rem 0.8rem; }
.warnings { color: #a40; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1.5rem; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 0.3rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${report.rows.used} of ${report.rows.input} rows used (${report.rows.dropped_non_finite} with NaN/Infinity excluded); seed ${report.seed}.</p>
<p class="summary ${summary.tone}"><strong>${escapeHtml(summary.text)}</strong><br><span class="note">${escapeHtml([summary.detail, summary.note].filter(Boolean).join('; '))}</span></p>
${warnings}
<table>
<tr><th>Test</th><th>Figures</th><th>Verdict</th><th>Note</th></tr>
${table}
</table>
<div class="plots" id="plots"></div>
<script type="application/json" id="coverage-report">${scriptJson(report)}</script>
<script>${inlineScript(scripts.d3)}</script>
<script>${inlineScript(scripts.plot)}</script>
<script>${inlineScript(RENDER_SCRIPT)}</script>
</body>
</html>
`;
}

/** Runs in the browser: draws the plots from the embedded report with Observable Plot. */
const RENDER_SCRIPT = String.raw`
(function () {
  var report = JSON.parse(document.getElementById('coverage-report').textContent);
  var plots = report.plots;
  var container = document.getElementById('plots');
  function figure(caption, chart) {
    var f = document.createElement('figure');
    var c = document.createElement('figcaption');
    c.textContent = caption;
    f.appendChild(c);
    f.appendChild(chart);
    container.appendChild(f);
  }
  function density(p, xLabel) {
    return Plot.plot({
      width: 480, height: 300, x: { label: xLabel }, y: { label: 'density', grid: true },
      marks: [
        Plot.rectY(p.bins, { x1: 'x0', x2: 'x1', y: 'density', fill: 'steelblue', fillOpacity: 0.6 }),
        Plot.line(p.curve, { x: 'x', y: 'density', stroke: 'crimson', strokeWidth: 2 }),
        Plot.ruleY([0])
      ]
    });
  }
  if (plots.radius) figure(plots.radius.label, density(plots.radius, '‖z‖'));
  if (plots.qq) {
    var lo = Math.min(plots.qq.points[0].theoretical, plots.qq.points[0].sample);
    var last = plots.qq.points[plots.qq.points.length - 1];
    var hi = Math.max(last.theoretical, last.sample);
    figure(plots.qq.label, Plot.plot({
      width: 480, height: 300, x: { label: 'prior quantile' }, y: { label: 'sample quantile', grid: true },
      marks: [
        Plot.line([[lo, lo], [hi, hi]], { stroke: '#999', strokeDasharray: '4,3' }),
        Plot.dot(plots.qq.points, { x: 'theoretical', y: 'sample', r: 2, fill: 'steelblue' })
      ]
    }));
  }
  if (plots.pairwise) figure(plots.pairwise.label, density(plots.pairwise, 'value'));
  if (plots.dimensions && plots.dimensions.length) {
    var hasKl = plots.dimensions.some(function (d) { return d.kl != null; });
    figure(hasKl ? 'KL per dimension' : 'variance per dimension (active units: > 0.01)', Plot.plot({
      width: 480, height: 300, x: { label: 'dimension', tickFormat: 'd' },
      y: { label: hasKl ? 'KL (nats)' : 'variance', grid: true },
      color: { domain: [true, false], range: ['steelblue', '#bbb'], legend: true, tickFormat: function (a) { return a ? 'active' : 'inactive'; } },
      marks: [
        Plot.barY(plots.dimensions, { x: 'dimension', y: hasKl ? 'kl' : 'variance', fill: 'active' }),
        hasKl ? null : Plot.ruleY([0.01], { stroke: 'crimson', strokeDasharray: '4,3' }),
        Plot.ruleY([0])
      ]
    }));
  }
  if (plots.holes) {
    figure('hole map (' + plots.holes.axes + ')', Plot.plot({
      width: 480, height: 400, x: { label: 'axis 1' }, y: { label: 'axis 2', grid: true },
      marks: [
        Plot.dot(plots.holes.encoded, { x: '0', y: '1', r: 1.5, fill: '#888', fillOpacity: 0.35 }),
        Plot.dot(plots.holes.holes, { x: '0', y: '1', r: 2.5, fill: 'crimson' }),
        Plot.dot(plots.holes.centers, { x: '0', y: '1', r: 9, symbol: 'star', fill: 'gold', stroke: 'black' })
      ]
    }));
  }
})();
`;
