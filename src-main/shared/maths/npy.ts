// NPY files (NumPy's array format, versions 1.0, 2.0 and 3.0; see numpy/lib/format.py):
// magic "\x93NUMPY", major and minor version bytes, a little-endian header length (uint16 for
// v1, uint32 for v2/v3), an ASCII (v3: UTF-8) Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (70000, 16), }
// padded with spaces and a newline so that the data starts on a 64-byte boundary, then the raw
// array. Reads float32/float64 and (u)int8/16/32/64 in either byte order and in C or Fortran
// order (returned in C order); writes C order. Bytes only: reading and writing files is the
// engine's (engine/io/npy.ts), the page builds its downloads here.

export class NpyError extends Error {
  override name = 'NpyError';
}

export type NpyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyArray {
  /** The dtype as NumPy spells it without byte order: 'f4', 'f8', 'i1' … 'u8'. */
  dtype: NpyDtype;
  shape: number[];
  /** The elements in C (row-major) order, in native byte order. */
  data: NpyTypedArray;
}

export type NpyDtype = 'f4' | 'f8' | 'i1' | 'u1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'u8';

type Constructor = { new (length: number): NpyTypedArray; BYTES_PER_ELEMENT: number };

const CONSTRUCTORS: Record<NpyDtype, Constructor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  u1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parses an NPY file's bytes. Throws `NpyError` with a reason a person can act on. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length === 0) throw new NpyError('empty file: expected an NPY array');
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError('not an NPY file: it does not start with the magic string "\\x93NUMPY"');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('truncated NPY file: the header is incomplete');
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new NpyError(`unsupported NPY format version ${major}.${bytes[7]} (supported: 1, 2, 3)`);
  }
  if (headerStart + headerLength > bytes.length) {
    throw new NpyError('truncated NPY file: the header is incomplete');
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const { descr, fortranOrder, shape } = parseHeader(header);
  const { dtype, littleEndian } = parseDescr(descr);
  const Type = CONSTRUCTORS[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const expected = count * Type.BYTES_PER_ELEMENT;
  const available = bytes.length - dataStart;
  if (available < expected) {
    throw new NpyError(
      `truncated NPY file: shape (${shape.join(', ')}) of ${descr} needs ${expected} bytes of data, found ${available}`,
    );
  }
  const raw = bytes.slice(dataStart, dataStart + expected);
  if (littleEndian !== LITTLE_ENDIAN_HOST) swapBytes(raw, Type.BYTES_PER_ELEMENT);
  const data = new (
    Type as unknown as {
      new (buffer: ArrayBuffer, offset: number, length: number): NpyTypedArray;
    }
  )(raw.buffer, 0, count);
  return { dtype, shape, data: fortranOrder ? toCOrder(data, shape) : data };
}

function parseHeader(header: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`malformed NPY header: ${JSON.stringify(header.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const value = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new NpyError(`malformed NPY header: bad shape (${shapeText})`);
      }
      return value;
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

function parseDescr(descr: string): { dtype: NpyDtype; littleEndian: boolean } {
  const match = /^([<>|=]?)([fiu])(\d+)$/.exec(descr);
  const dtype = match ? ((match[2] + match[3]) as NpyDtype) : undefined;
  if (!match || dtype === undefined || !(dtype in CONSTRUCTORS)) {
    throw new NpyError(
      `unsupported NPY dtype '${descr}': expected float32, float64 or a (u)int of 8–64 bits`,
    );
  }
  const order = match[1];
  return { dtype, littleEndian: order === '>' ? false : order === '<' ? true : LITTLE_ENDIAN_HOST };
}

function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function toCOrder(data: NpyTypedArray, shape: number[]): NpyTypedArray {
  const rank = shape.length;
  if (rank < 2) return data;
  const out = new (data.constructor as Constructor)(data.length);
  const fStrides = new Array<number>(rank);
  let s = 1;
  for (let k = 0; k < rank; k++) {
    fStrides[k] = s;
    s *= shape[k];
  }
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < rank; k++) f += index[k] * fStrides[k];
    (out as unknown as unknown[])[c] = (data as unknown as unknown[])[f];
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

const DTYPE_OF: [Constructor, NpyDtype][] = Object.entries(CONSTRUCTORS).map(([dtype, Type]) => [
  Type,
  dtype as NpyDtype,
]);

export interface EncodeOptions {
  /** Write big-endian data ('>f4' …); default little-endian. */
  bigEndian?: boolean;
  /** Format version; default the smallest that fits the header (1, else 2). */
  version?: 1 | 2 | 3;
}

/** Encodes a C-order array as NPY bytes. */
export function encodeNpy(
  data: NpyTypedArray,
  shape: readonly number[],
  options: EncodeOptions = {},
): Uint8Array<ArrayBuffer> {
  const dtype = DTYPE_OF.find(([Type]) => data instanceof Type)?.[1];
  if (dtype === undefined) throw new NpyError('unsupported array type for NPY');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new NpyError(`shape (${shape.join(', ')}) does not match ${data.length} elements`);
  }
  const width = CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
  const order = width === 1 ? '|' : options.bigEndian ? '>' : '<';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${order}${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = options.version ?? (dict.length + 11 < 65536 ? 1 : 2);
  if (version === 1 && dict.length + 11 >= 65536) throw new NpyError('header too long for NPY 1.0');
  const prefix = version === 1 ? 10 : 12;
  // Spaces and a newline so that the data starts on a 64-byte boundary.
  const text = dict + ' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64) + '\n';
  const header = new TextEncoder().encode(text);
  const out = new Uint8Array(prefix + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if ((order === '>') === LITTLE_ENDIAN_HOST) swapBytes(body, width);
  out.set(body, prefix + header.length);
  return out;
}

/** A latent matrix: n rows of d coordinates, row-major. */
export interface LatentMatrix {
  data: Float32Array | Float64Array;
  n: number;
  d: number;
}

/** Checks that an NPY array is a float32/float64 matrix [n, d] and returns it as one. */
export function asLatentMatrix(array: NpyArray): LatentMatrix {
  if (array.shape.length !== 2) {
    throw new NpyError(
      `expected a latent matrix of shape [n, d], got rank ${array.shape.length} (shape (${array.shape.join(', ')}))`,
    );
  }
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
    throw new NpyError(`expected float32 or float64 latents, got dtype ${array.dtype}`);
  }
  const [n, d] = array.shape;
  return { data: array.data, n, d };
}
