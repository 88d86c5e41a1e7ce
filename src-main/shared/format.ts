// How figures are written wherever people read them: the coverage verdicts (page and CLI alike)
// and the page's labels and tooltips.

/** A figure to `digits` significant digits, in exponent form when very large or small; — if none. */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(Math.max(0, digits - 1));
  return Number(x.toPrecision(digits)).toString();
}

/** A p-value as `p = 0.03`, `p = 0.0012` or `p < 0.0001`. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'p = —';
  if (p < 1e-4) return 'p < 0.0001';
  return `p = ${p < 0.01 ? p.toFixed(4) : p.toFixed(2)}`;
}
