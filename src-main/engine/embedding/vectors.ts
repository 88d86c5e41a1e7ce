import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { readNpy } from '../io/npy';
import { MAX_EMBEDDING_DIM } from './format';

/** An embedding's points: n rows of d numbers, row-major float32. */
export interface Vectors {
  data: Float32Array;
  n: number;
  d: number;
}

/**
 * Reads the vectors of an embedding as the Embedding Projector takes them: an NPY matrix [n, d]
 * (float32, float64 or integers), or a TSV of numbers, one point a line, tab-separated, no
 * header. Refuses (one line, naming the file) a ragged row, a value that is not a number, and
 * NaN or infinite values, naming the first row at fault.
 */
export async function readVectors(file: string): Promise<Vectors> {
  await readable(file);
  const vectors = file.toLowerCase().endsWith('.npy')
    ? await readNpyVectors(file)
    : await readTsvVectors(file);
  if (vectors.d > MAX_EMBEDDING_DIM)
    throw new Error(
      `${path.basename(file)}: ${vectors.d} dimensions; at most ${MAX_EMBEDDING_DIM} are read`,
    );
  return vectors;
}

async function readNpyVectors(file: string): Promise<Vectors> {
  const array = await readNpy(file);
  const name = path.basename(file);
  if (array.shape.length !== 2)
    throw new Error(
      `${name}: expected a matrix [n, d] of vectors, got shape (${array.shape.join(', ')})`,
    );
  const [n, d] = array.shape;
  if (n === 0 || d === 0) throw new Error(`${name}: holds no vectors (shape (${n}, ${d}))`);
  const source = array.data;
  let data: Float32Array;
  if (source instanceof Float32Array) data = source;
  else if (source instanceof BigInt64Array || source instanceof BigUint64Array)
    data = Float32Array.from(source, (v) => Number(v));
  else data = Float32Array.from(source);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / d);
      throw new Error(
        `${name}: row ${row} (counting from 0) holds ${describe(data[i])} at column ${i - row * d}; vectors must be finite`,
      );
    }
  }
  return { data, n, d };
}

/** Refuses a missing or unreadable file in one line that names it. */
export async function readable(file: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read (${err.code ?? err.message})`);
  });
  if (!info.isFile()) throw new Error(`${file}: not a file`);
}

function describe(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** Rows are gathered in blocks, so a file of unknown length is read in one pass. */
const BLOCK_ROWS = 4096;

async function readTsvVectors(file: string): Promise<Vectors> {
  const name = path.basename(file);
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  const blocks: Float32Array[] = [];
  let block: Float32Array | null = null;
  let d = 0;
  let n = 0;
  let lineNo = 0;
  let first = 0;
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      // Blank lines are skipped, as the Projector does.
      if (line.trim() === '') continue;
      const fields = line.split('\t');
      // A trailing tab is a common writer's habit, not a column.
      if (fields.length > 1 && fields[fields.length - 1].trim() === '') fields.pop();
      if (d === 0) {
        d = fields.length;
        first = lineNo;
        if (d === 1 && /\s/.test(line.trim()))
          throw new Error(
            `${name}: line ${lineNo} holds one value "${clip(line.trim())}"; the numbers of a vectors TSV are separated by tabs`,
          );
        if (d > MAX_EMBEDDING_DIM)
          throw new Error(`${name}: ${d} dimensions; at most ${MAX_EMBEDDING_DIM} are read`);
      } else if (fields.length !== d) {
        throw new Error(
          `${name}: line ${lineNo} has ${fields.length} values, but line ${first} has ${d}; every vector needs the same number`,
        );
      }
      const at = n % BLOCK_ROWS;
      if (at === 0) {
        block = new Float32Array(BLOCK_ROWS * d);
        blocks.push(block);
      }
      for (let j = 0; j < d; j++) {
        const text = fields[j].trim();
        const v = text === '' ? NaN : Number(text);
        if (!Number.isFinite(v)) {
          const what =
            text === '' ? 'an empty value' : Number.isNaN(v) ? `"${clip(text)}"` : describe(v);
          const hint =
            n === 0 && Number.isNaN(v) && text !== '' && !/^nan$/i.test(text)
              ? ' (a vectors TSV has no header row)'
              : '';
          throw new Error(
            `${name}: line ${lineNo}, column ${j + 1} holds ${what}; vectors must be finite numbers${hint}`,
          );
        }
        block![at * d + j] = v;
      }
      n++;
    }
  } finally {
    lines.close();
  }
  if (n === 0) throw new Error(`${name}: holds no vectors`);
  const data = new Float32Array(n * d);
  blocks.forEach((b, i) => {
    const rows = Math.min(BLOCK_ROWS, n - i * BLOCK_ROWS);
    data.set(b.subarray(0, rows * d), i * BLOCK_ROWS * d);
  });
  return { data, n, d };
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
