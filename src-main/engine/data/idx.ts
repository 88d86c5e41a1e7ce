import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

/**
 * The IDX file format of LeCun's MNIST distribution (also Fashion-MNIST, KMNIST, EMNIST):
 *
 *   bytes 0-1  zero
 *   byte  2    element type (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
 *              0x0D float32, 0x0E float64)
 *   byte  3    number of dimensions
 *   then       one big-endian uint32 per dimension, then the elements, row-major.
 *
 * Only unsigned bytes occur in the image and label files these datasets ship, so that is what is
 * read. Files may be gzipped (`.gz`, as the datasets are downloaded); gzip is detected by its
 * magic bytes rather than the name.
 */
export interface IdxArray {
  /** Dimensions, outermost first: [count, rows, cols] for images, [count] for labels. */
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const gunzipAsync = promisify(gunzip);

/** Reads an IDX file (optionally gzipped). Errors name the file. */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`${file}: cannot read IDX file (${describe(error)})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (error) {
      throw new Error(`${file}: looks gzipped but does not decompress (${describe(error)})`);
    }
  }
  return parseIdx(bytes, file);
}

/** Parses IDX bytes; `file` only names the source in errors. The data is a view, not a copy. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPE_NAMES)) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0'));
    throw new Error(
      `${file}: not an IDX file (starts with ${head.join(' ') || 'nothing'}; ` +
        'an IDX file starts with 00 00, a type byte such as 08, and a dimension count)',
    );
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    throw new Error(
      `${file}: IDX elements are ${TYPE_NAMES[type]} (0x${type.toString(16)}); ` +
        'only unsigned bytes (0x08) are supported',
    );
  }
  const rank = bytes[3];
  if (rank < 1) throw new Error(`${file}: IDX file declares 0 dimensions`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new Error(
      `${file}: truncated IDX header (${bytes.length} bytes, the ${rank} dimensions need ${headerLength})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerLength;
  if (found < expected) {
    throw new Error(
      `${file}: truncated IDX file: dimensions [${dims.join(', ')}] need ${expected} bytes of data, ` +
        `found ${found}`,
    );
  }
  if (found > expected) {
    throw new Error(
      `${file}: IDX file has ${found - expected} unexpected bytes after the ${expected} its ` +
        `dimensions [${dims.join(', ')}] describe`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
