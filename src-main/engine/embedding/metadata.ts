import { parse } from 'csv-parse/sync';
import { MAX_METADATA_COLUMNS } from './format';

/** One parsed metadata column: numbers (NaN where missing) or categories (codes, −1 missing). */
export type ParsedColumn =
  | { name: string; kind: 'number'; values: Float32Array; missing: number }
  | {
      name: string;
      kind: 'category';
      codes: Int32Array;
      categories: string[];
      missing: number;
    };

export interface ParsedMetadata {
  columns: ParsedColumn[];
  /** Data rows (the header, when there is one, is not counted). */
  rows: number;
  /** Whether the first line was read as a header. */
  header: boolean;
  /** What parsing noticed that does not stop it, one line each. */
  warnings: string[];
}

/** Longest column name and category kept (the contract's limits); longer ones are cut. */
const MAX_NAME = 200;
const MAX_CATEGORY = 1000;
/** Words a numeric column may use for a missing value (pandas, R and spreadsheets write these). */
const MISSING_WORDS = new Set(['', 'nan', 'na', 'n/a', 'null', 'none', '-']);

/**
 * Parses a metadata TSV as the Embedding Projector reads one: a header row naming the columns,
 * then one row per point in the order of the vectors. A file of a single column has no header
 * (its column is called `label`); when `expectedRows` says it has one row too many, its first
 * line is taken as the header after all, and a warning says so. Fields may be quoted ("a\tb",
 * "say ""hi"""); blank lines are skipped. Each column is typed: every value a number (or empty,
 * or a missing word such as NaN or NA) → `number`, else `category`.
 */
export function parseMetadata(text: string, file: string, expectedRows?: number): ParsedMetadata {
  const rows = parseTsv(text, file, false) as string[][];
  // A line of spaces is blank too (a single column's empty value is a row only between others).
  const blank = (r: string[]) => r.length === 1 && r[0].trim() === '';
  const records = rows.filter((r) => !blank(r));
  if (records.length === 0) throw new Error(`${file}: holds no rows`);
  const warnings: string[] = [];
  const width = records[0].length;
  let header = width > 1;
  if (!header && expectedRows !== undefined && records.length === expectedRows + 1) {
    header = true;
    warnings.push(
      `${file}: one column with ${records.length} lines for ${expectedRows} points: its first line "${clip(records[0][0])}" is read as the header`,
    );
  }
  if (width > MAX_METADATA_COLUMNS)
    throw new Error(
      `${file}: ${width} columns; at most ${MAX_METADATA_COLUMNS} metadata columns are read`,
    );
  for (let k = 0; k < records.length; k++) {
    const record = records[k];
    if (record.length === width) continue;
    // A trailing tab is a column of nothing, not a different row.
    if (record.length === width + 1 && record[width].trim() === '') {
      record.pop();
      continue;
    }
    // Ragged: parse again, with line numbers, to name the line (quoted fields may span lines).
    const lines = (parseTsv(text, file, true) as { record: string[]; info: { lines: number } }[])
      .filter((r) => !blank(r.record))
      .map((r) => r.info.lines);
    throw new Error(
      `${file}: line ${lines[k]} has ${record.length} ${record.length === 1 ? 'field' : 'fields'}, but ${header ? 'the header' : `line ${lines[0]}`} has ${width}`,
    );
  }
  const names = header ? columnNames(records[0]) : ['label'];
  const body = header ? records.slice(1) : records;
  if (body.length === 0) throw new Error(`${file}: has a header but no rows`);
  const columns = names.map((name, c) => typeColumn(name, body, c));
  return { columns, rows: body.length, header, warnings };
}

/** csv-parse on tab-separated text; `info` adds each record's line number (slower). */
function parseTsv(text: string, file: string, info: boolean): unknown[] {
  try {
    return parse(text, {
      delimiter: '\t',
      bom: true,
      info,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown[];
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message.replace(/^Invalid Record Length: /, '')}`);
  }
}

/** Natural order: 2 before 10, case and accents told apart. */
const NATURAL = new Intl.Collator(undefined, { numeric: true, sensitivity: 'variant' });

/** Column names: trimmed, cut to the contract's length, empty ones numbered, repeats told apart. */
function columnNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    let name = raw.trim() || `column ${i + 1}`;
    if (name.length > MAX_NAME) name = clip(name, MAX_NAME);
    const count = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), count);
    return count === 1 ? name : clip(`${name} (${count})`, MAX_NAME);
  });
}

function typeColumn(name: string, body: string[][], c: number): ParsedColumn {
  const n = body.length;
  const values = new Float32Array(n);
  let numeric = true;
  let missing = 0;
  for (let r = 0; r < n && numeric; r++) {
    const text = body[r][c].trim();
    if (MISSING_WORDS.has(text.toLowerCase())) {
      values[r] = NaN;
      missing++;
      continue;
    }
    const v = Number(text);
    if (Number.isFinite(v) && !/^0x/i.test(text)) values[r] = v;
    else numeric = false;
  }
  if (numeric) return { name, kind: 'number', values, missing };
  // Categories: every distinct non-empty value, in natural order (2 before 10), codes into them.
  const distinct = new Set<string>();
  for (const record of body) {
    const text = record[c].trim();
    if (text !== '') distinct.add(text);
  }
  const categories = [...distinct].sort(NATURAL.compare);
  const index = new Map(categories.map((v, i) => [v, i]));
  const codes = new Int32Array(n);
  missing = 0;
  body.forEach((record, r) => {
    const text = record[c].trim();
    codes[r] = text === '' ? -1 : index.get(text)!;
    if (text === '') missing++;
  });
  return {
    name,
    kind: 'category',
    codes,
    categories: categories.map((v) => (v.length > MAX_CATEGORY ? clip(v, MAX_CATEGORY) : v)),
    missing,
  };
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
