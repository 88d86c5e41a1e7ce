/**
 * Filters over a point cloud, evaluated over its typed arrays into a Uint8Array mask: labels
 * (codes or class names), point or dataset-item index ranges, metadata columns (a number range,
 * or categories), the reconstruction error, and "near a hole" (within a radius of a coverage
 * hole centre, in latent space). Several filters combine with AND. Pure: no Svelte, no three.js.
 *
 * `parseQuery` reads the search box's small grammar into filters (see QUERY_HELP); `compile`
 * resolves them against a cloud (names to codes, columns by name), refusing with one line what
 * the cloud cannot answer; `evaluate` runs them, one pass over the points per filter.
 */

/** One metadata column of the points, as `LatentSnapshot.metadata` carries it. */
export type MetadataColumnLike =
  | { name: string; kind: 'number'; values: Float32Array }
  | { name: string; kind: 'category'; codes: Int32Array; categories: string[] };

/** What the filters read of a cloud. */
export interface FilterSource {
  n: number;
  dim: number;
  means: Float32Array;
  labels: Int32Array | null;
  labelNames: string[] | null;
  errors: Float32Array | null;
  indices: Int32Array;
  metadata?: readonly MetadataColumnLike[] | null;
}

/** The coverage report's holes: centres in latent space, and its distance threshold. */
export interface HoleSet {
  centers: readonly (readonly number[])[];
  /** The report's hole threshold: the 99th percentile of encoded points' nearest-neighbour distances. */
  threshold: number;
}

/** A closed, open or half-open interval; ±Infinity for no bound. */
export interface Range {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}

/** A filter as the search box gives it: names not yet resolved against a cloud. */
export type Filter =
  /** Label codes or class names (numbers are codes, words are names), any of them. */
  | { kind: 'label'; values: string[]; negate: boolean }
  /** Point index (as the viewer numbers them, #) or dataset item index, in a range. */
  | { kind: 'index'; of: 'point' | 'item'; range: Range }
  | { kind: 'error'; range: Range }
  /** A metadata column: a number range, or (for a category column) any of `values`. */
  | { kind: 'metadata'; column: string; range: Range | null; values: string[]; negate: boolean }
  /** Within `scale` × the report's hole threshold of any hole centre. */
  | { kind: 'hole'; scale: number };

/** The search grammar, for the box's placeholder and tooltip. */
export const QUERY_HELP = [
  '7 or label:3,5 — labels (codes); a word — a class name (trouser), or without labels a value of the first category column',
  'index 100-200 or #100-200 — point numbers; item 0-999 — dataset items',
  'error > 200, error 50-80 — reconstruction error (nats)',
  'field=value, field>3, field 1-2 — a metadata column',
  'hole or hole:1.5 — within the coverage report’s hole threshold (× 1.5) of a hole centre',
  'terms combine with AND; commas list alternatives; != excludes',
].join('\n');

export const QUERY_PLACEHOLDER = 'Filter: label:3, error>200…';

/** The default "near a hole" radius, in units of the report's hole threshold. */
export const HOLE_SCALE = 1;

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const RANGE = new RegExp(String.raw`^(${NUMBER})(?:-|\.\.|–|:)(${NUMBER})$`, 'i');
const SINGLE = new RegExp(`^${NUMBER}$`, 'i');
const TERM = /^([A-Za-z_][\w.]*)(>=|<=|!=|=|>|<|:)(.+)$/;

export class QueryError extends Error {
  override name = 'QueryError';
}

/** A range from `op value`: `> 200`, `<= 5`, `= 3`, `: 100-200`. */
function rangeOf(op: string, value: string): Range | null {
  const all = { lo: -Infinity, hi: Infinity, loOpen: false, hiOpen: false };
  if (op === '=' || op === ':') {
    const r = RANGE.exec(value);
    if (r) {
      const a = Number(r[1]);
      const b = Number(r[2]);
      return { ...all, lo: Math.min(a, b), hi: Math.max(a, b) };
    }
    if (SINGLE.test(value)) return { ...all, lo: Number(value), hi: Number(value) };
    return null;
  }
  if (!SINGLE.test(value)) return null;
  const x = Number(value);
  switch (op) {
    case '>':
      return { ...all, lo: x, loOpen: true };
    case '>=':
      return { ...all, lo: x };
    case '<':
      return { ...all, hi: x, hiOpen: true };
    case '<=':
      return { ...all, hi: x };
    default:
      return null;
  }
}

const KEYWORDS = ['label', 'labels', 'class', 'index', 'idx', 'point', 'item', 'error', 'err'];

/**
 * The search box's text as filters (AND). Throws QueryError with what could not be read. The
 * grammar, term by term (spaces around operators are optional; a keyword followed by a number
 * needs none: `index 100-200`):
 *
 *   7, 3,5            label codes          label:3,5   label=3   label!=3
 *   trouser           a class name         class:trouser,dress
 *   #12, #100-200     point numbers        index 100-200   index>=5   point:7
 *   item 0-999        dataset item indices
 *   error > 200       reconstruction error (also >=, <, <=, =, a-b)
 *   field=value       a metadata column: categories (a,b), or numbers (=, >, <, a-b); != excludes
 *   hole, hole:1.5    near a coverage hole: within its threshold (× 1.5) of a hole centre
 */
export function parseQuery(text: string): Filter[] {
  let s = text.trim();
  if (!s) return [];
  s = s.replace(/\bnear\s*:?\s*(holes?)\b/gi, '$1');
  s = s.replace(/\s*(>=|<=|!=|=|>|<)\s*/g, '$1');
  s = s.replace(/\s*,\s*/g, ',');
  s = s.replace(/(^|\s)([A-Za-z_][\w.]*)\s*:\s*/g, '$1$2:');
  const keyword = new RegExp(`\\b(${KEYWORDS.join('|')})\\s+(?=[-+#\\d.])`, 'gi');
  s = s.replace(keyword, '$1:');
  // Any other word followed by a range: a metadata column's range (`age 10-20`).
  s = s.replace(
    new RegExp(
      String.raw`(^|\s)([A-Za-z_][\w.]*)\s+(${NUMBER}(?:-|\.\.|–)${NUMBER})(?=\s|$)`,
      'gi',
    ),
    '$1$2:$3',
  );
  const filters: Filter[] = [];
  // Double quotes keep a name with spaces together: class:"ankle boot".
  for (const token of s.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    if (!token || /^(and|&&?)$/i.test(token)) continue;
    filters.push(parseTerm(token));
  }
  return filters;
}

function parseTerm(token: string): Filter {
  // Point numbers as the viewer shows them: #12, #100-200.
  if (token.startsWith('#')) {
    const range = rangeOf(':', token.slice(1));
    if (!range) throw new QueryError(`"${token}": expected #N or #A-B`);
    return { kind: 'index', of: 'point', range };
  }
  if (/^holes?$/i.test(token)) return { kind: 'hole', scale: HOLE_SCALE };
  const term = TERM.exec(token);
  if (!term) {
    if (/[<>=]/.test(token)) throw new QueryError(`"${token}": expected field=value`);
    // Bare: label codes (numbers) or class names (words), comma-separated.
    return { kind: 'label', values: splitList(token), negate: false };
  }
  const [, rawKey, op, value] = term;
  const key = rawKey.toLowerCase();
  switch (key) {
    case 'label':
    case 'labels':
    case 'class': {
      if (op !== ':' && op !== '=' && op !== '!=')
        throw new QueryError(`"${token}": labels take ":", "=" or "!="`);
      return { kind: 'label', values: splitList(value), negate: op === '!=' };
    }
    case 'index':
    case 'idx':
    case 'point':
    case 'item': {
      const range = rangeOf(op, value);
      if (!range) throw new QueryError(`"${token}": expected ${key} A-B, ${key} N or ${key}>N`);
      return { kind: 'index', of: key === 'item' ? 'item' : 'point', range };
    }
    case 'error':
    case 'err': {
      const range = rangeOf(op, value);
      if (!range) throw new QueryError(`"${token}": expected error > N, error < N or error A-B`);
      return { kind: 'error', range };
    }
    case 'hole':
    case 'holes': {
      const scale = Number(value);
      if (op !== ':' && op !== '=') throw new QueryError(`"${token}": expected hole or hole:SCALE`);
      if (!(scale > 0))
        throw new QueryError(`"${token}": the hole scale must be a positive number`);
      return { kind: 'hole', scale };
    }
    default: {
      if (op === ':' || op === '=' || op === '!=')
        return {
          kind: 'metadata',
          column: rawKey,
          range: op === '!=' ? null : rangeOf('=', value),
          values: splitList(value),
          negate: op === '!=',
        };
      const range = rangeOf(op, value);
      if (!range) throw new QueryError(`"${token}": expected ${rawKey}${op}NUMBER`);
      return { kind: 'metadata', column: rawKey, range, values: [], negate: false };
    }
  }
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim().replace(/^"(.*)"$/, '$1'))
    .filter((v) => v.length > 0);
}

/** A filter resolved against one cloud: the arrays it reads, the values it keeps. */
type Compiled =
  | { kind: 'codes'; codes: Int32Array; keep: Uint8Array; negate: boolean }
  | { kind: 'range'; values: ArrayLike<number>; range: Range; negate?: boolean }
  | { kind: 'points'; range: Range }
  | { kind: 'hole'; centers: Float64Array; k: number; radius2: number };

/** One line describing a filter (the selection's name in the card). */
export function describeFilter(f: Filter): string {
  const r = (x: Range) => describeRange(x);
  switch (f.kind) {
    case 'label':
      return `label ${f.negate ? '≠ ' : ''}${f.values.join(', ')}`;
    case 'index':
      return `${f.of === 'point' ? 'point' : 'item'} ${r(f.range)}`;
    case 'error':
      return `error ${r(f.range)}`;
    case 'metadata':
      return `${f.column} ${f.negate ? '≠ ' : ''}${f.range && !f.negate ? r(f.range) : f.values.join(', ')}`;
    case 'hole':
      return `near a hole (${f.scale} × threshold)`;
  }
}

function describeRange(x: Range): string {
  if (x.lo === x.hi) return `= ${x.lo}`;
  if (x.lo === -Infinity) return `${x.hiOpen ? '<' : '≤'} ${x.hi}`;
  if (x.hi === Infinity) return `${x.loOpen ? '>' : '≥'} ${x.lo}`;
  return `${x.lo}–${x.hi}`;
}

/** Resolves `filters` against `source`; throws QueryError naming what the cloud lacks. */
export function compile(
  source: FilterSource,
  filters: readonly Filter[],
  holes: HoleSet | null = null,
): Compiled[] {
  return filters.map((f): Compiled => {
    switch (f.kind) {
      case 'label': {
        if (!source.labels) {
          // Points without labels (an imported embedding) are labelled by their first category
          // column, as the viewer's hover and colours label them.
          const column = source.metadata?.find((c) => c.kind === 'category');
          if (!column || column.kind !== 'category')
            throw new QueryError('these points carry no labels');
          const wanted = f.values.map((v) => v.toLowerCase());
          const codes = column.categories
            .map((c, i) => (wanted.includes(c.toLowerCase()) ? i : -1))
            .filter((i) => i >= 0);
          if (codes.length === 0)
            throw new QueryError(
              `"${column.name}" has no value ${f.values.map((v) => `"${v}"`).join(' or ')}`,
            );
          return lookup(column.codes, codes, f.negate);
        }
        const names = source.labelNames ?? [];
        const codes: number[] = [];
        for (const v of f.values) {
          const byName = names.findIndex((name) => name.toLowerCase() === v.toLowerCase());
          if (SINGLE.test(v) && Number.isInteger(Number(v))) codes.push(Number(v));
          else if (byName >= 0) codes.push(byName);
          else
            throw new QueryError(
              `no class named "${v}"${names.length ? ` (classes: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})` : ''}`,
            );
        }
        return lookup(source.labels, codes, f.negate);
      }
      case 'index':
        return f.of === 'point'
          ? { kind: 'points', range: f.range }
          : { kind: 'range', values: source.indices, range: f.range };
      case 'error':
        if (!source.errors) throw new QueryError('these points carry no reconstruction errors');
        return { kind: 'range', values: source.errors, range: f.range };
      case 'metadata': {
        const columns = source.metadata ?? [];
        const column = columns.find((c) => c.name.toLowerCase() === f.column.toLowerCase());
        if (!column)
          throw new QueryError(
            columns.length
              ? `no metadata column "${f.column}" (columns: ${columns.map((c) => c.name).join(', ')})`
              : `no metadata column "${f.column}": these points carry no metadata`,
          );
        if (column.kind === 'category') {
          const wanted = f.values.map((v) => v.toLowerCase());
          const codes = column.categories
            .map((c, i) => (wanted.includes(c.toLowerCase()) ? i : -1))
            .filter((i) => i >= 0);
          if (codes.length === 0)
            throw new QueryError(
              `"${column.name}" has no value ${f.values.map((v) => `"${v}"`).join(' or ')}`,
            );
          return lookup(column.codes, codes, f.negate);
        }
        if (f.negate) {
          const range = rangeOf('=', f.values.join(','));
          if (!range) throw new QueryError(`"${column.name}" holds numbers: != takes a number`);
          return { kind: 'range', values: column.values, range, negate: true };
        }
        if (!f.range) throw new QueryError(`"${column.name}" holds numbers: give a number or A-B`);
        return { kind: 'range', values: column.values, range: f.range };
      }
      case 'hole': {
        if (!holes || holes.centers.length === 0)
          throw new QueryError('no coverage holes: the coverage report has none (yet)');
        const d = source.dim;
        const usable = holes.centers.filter((c) => c.length === d);
        if (usable.length === 0)
          throw new QueryError('the coverage report is of another latent dimension');
        const radius = f.scale * holes.threshold;
        return {
          kind: 'hole',
          centers: Float64Array.from(usable.flat()),
          k: usable.length,
          radius2: radius * radius,
        };
      }
    }
  });
}

/** Codes to keep as a lookup table over the code range (codes below 0 are "missing"). */
function lookup(codes: Int32Array, keepCodes: number[], negate: boolean): Compiled {
  const top = Math.max(0, ...keepCodes) + 1;
  const keep = new Uint8Array(top);
  for (const c of keepCodes) if (c >= 0) keep[c] = 1;
  return { kind: 'codes', codes, keep, negate };
}

/**
 * The mask of the points every filter keeps (AND), over `source`'s n points; `within` (a mask
 * of n) limits it further. Returns the mask and its count.
 */
export function evaluate(
  source: FilterSource,
  filters: readonly Compiled[],
  within: Uint8Array | null = null,
  out: Uint8Array = new Uint8Array(source.n),
): { mask: Uint8Array; count: number } {
  const n = source.n;
  const mask = out;
  if (within) mask.set(within.subarray(0, n));
  else mask.fill(1);
  for (const f of filters) {
    switch (f.kind) {
      case 'codes': {
        const { codes, keep, negate } = f;
        const top = keep.length;
        for (let i = 0; i < n; i++) {
          if (!mask[i]) continue;
          const c = codes[i];
          const hit = c >= 0 && c < top && keep[c] === 1;
          if (hit === negate) mask[i] = 0;
        }
        break;
      }
      case 'range': {
        const { values } = f;
        const { lo, hi, loOpen, hiOpen } = f.range;
        const negate = f.negate === true;
        for (let i = 0; i < n; i++) {
          if (!mask[i]) continue;
          const v = values[i];
          // NaN (a missing value) fails every comparison: never kept, and never excluded by !=.
          const inside = (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
          if (negate ? inside || v !== v : !inside) mask[i] = 0;
        }
        break;
      }
      case 'points': {
        const { lo, hi, loOpen, hiOpen } = f.range;
        for (let i = 0; i < n; i++) {
          if (!mask[i]) continue;
          if (!((loOpen ? i > lo : i >= lo) && (hiOpen ? i < hi : i <= hi))) mask[i] = 0;
        }
        break;
      }
      case 'hole': {
        const { centers, k, radius2 } = f;
        const d = source.dim;
        const means = source.means;
        const d4 = d - (d % 4);
        for (let i = 0; i < n; i++) {
          if (!mask[i]) continue;
          const o = i * d;
          let near = false;
          for (let h = 0; h < k && !near; h++) {
            const c = h * d;
            let s = 0;
            // Four coordinates at a time, giving up on this centre once past the radius.
            let j = 0;
            for (; j < d4; j += 4) {
              const t0 = means[o + j] - centers[c + j];
              const t1 = means[o + j + 1] - centers[c + j + 1];
              const t2 = means[o + j + 2] - centers[c + j + 2];
              const t3 = means[o + j + 3] - centers[c + j + 3];
              s += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3;
              if (s > radius2) break;
            }
            if (s > radius2) continue;
            for (; j < d; j++) {
              const t = means[o + j] - centers[c + j];
              s += t * t;
            }
            near = s <= radius2;
          }
          if (!near) mask[i] = 0;
        }
        break;
      }
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += mask[i];
  return { mask, count };
}

/** parseQuery + compile + evaluate: the points `text` selects. */
export function runQuery(
  source: FilterSource,
  text: string,
  holes: HoleSet | null = null,
  within: Uint8Array | null = null,
): { mask: Uint8Array; count: number; filters: Filter[] } {
  const filters = parseQuery(text);
  if (filters.length === 0) throw new QueryError('type a filter first');
  const { mask, count } = evaluate(source, compile(source, filters, holes), within);
  return { mask, count, filters };
}
