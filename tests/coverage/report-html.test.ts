import { JSDOM, VirtualConsole } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src-main/engine/coverage/random';
import { coverageReport } from '../../src-main/engine/coverage/report';
import { renderReportHtml } from '../../src-main/cli/report-html';
import { coverageVerdicts } from '../../src-main/shared/coverage-verdicts';

const random = new Random(1);
const z = random.normalMatrix(1500, 6).map((v, i) => (i % 6 === 5 ? 0.05 * v : v));
const report = coverageReport(z, 1500, 6, {
  prior: 'gaussian',
  seed: 2,
  mmd: { subsample: 300, permutations: 50 },
});
const html = renderReportHtml(report);

describe('the HTML report', () => {
  it('is self-contained: no external scripts, styles or CDN links', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).toContain('@observablehq/plot v0.6');
  });

  it('embeds the report JSON, which parses back to the report', () => {
    const dom = new JSDOM(html);
    const json = dom.window.document.getElementById('coverage-report')!.textContent!;
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('shows the figures as a table without scripts, escaping text', () => {
    const dom = new JSDOM(html);
    const text = dom.window.document.querySelector('table')!.textContent!;
    expect(text).toContain('Mardia skewness');
    expect(text).toContain(`${report.active_units} of 6`);
    const hostile = renderReportHtml({ ...report, warnings: ['<img src=x onerror=alert(1)>'] });
    expect(hostile).toContain('&#60;img src=x');
  });

  it('shows the summary and, per test, the figures and verdict the app’s panel shows', () => {
    const dom = new JSDOM(html);
    const document = dom.window.document;
    const [summary, ...tests] = coverageVerdicts(report);
    expect(document.querySelector('.summary')!.textContent).toContain(summary.text);
    expect(document.querySelector('.summary')!.classList.contains(summary.tone)).toBe(true);
    const rows = Array.from(document.querySelectorAll('table tr')).slice(1);
    expect(
      rows.map((row) => [row.className, ...Array.from(row.children, (cell) => cell.textContent)]),
    ).toEqual(tests.map((v) => [v.tone, v.title, v.detail, v.text, v.note]));
  });

  it('draws the five plots with Observable Plot when the scripts run', async () => {
    const errors: string[] = [];
    const virtualConsole = new VirtualConsole();
    virtualConsole.on('jsdomError', (e) => errors.push(String(e)));
    const dom = new JSDOM(html, { runScripts: 'dangerously', virtualConsole });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([]);
    const captions = Array.from(
      dom.window.document.querySelectorAll('figcaption'),
      (c) => c.textContent,
    );
    expect(captions).toEqual([
      '‖z‖ against chi_6',
      'quantiles of ‖z‖ against chi_6',
      '‖z − z′‖/√2 of disjoint pairs against chi_6',
      'variance per dimension (active units: > 0.01)',
      expect.stringMatching(/^hole map/),
    ]);
    expect(dom.window.document.querySelectorAll('figure svg').length).toBeGreaterThanOrEqual(5);
  });
});
