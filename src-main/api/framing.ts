import {
  TYPED_ARRAY_KINDS,
  typedArrayKind,
  type AtlasTypedArray,
  type TypedArrayKind,
} from './typed-arrays';

/**
 * Binary WebSocket frames: a JSON header, then the raw bytes of every typed array in the message.
 * Browser-safe (no Buffer). Typed arrays are replaced in the JSON by `{"$typed": i}` and their
 * bytes laid out after it, each 8-byte aligned so the receiver can view them without copying.
 *
 *   0      4      8        8+H      (aligned)
 *   "LAF1" | H u32 | header JSON | pad | array 0 | pad | array 1 | ...
 *
 * The header is `{"message": ..., "arrays": [[kind, byteOffset, length], ...]}` with offsets from
 * the start of the frame.
 */
const MAGIC = [0x4c, 0x41, 0x46, 0x31]; // "LAF1"
const PREFIX = 8;
const MAX_ARRAYS = 4096;
const PLACEHOLDER = '$typed';

export class FrameError extends Error {
  constructor(message: string) {
    super(`malformed frame: ${message}`);
    this.name = 'FrameError';
  }
}

const CTORS: Record<
  TypedArrayKind,
  {
    new (buffer: ArrayBuffer, offset: number, length: number): AtlasTypedArray;
    BYTES_PER_ELEMENT: number;
  }
> = {
  Float32Array,
  Uint8Array,
  Int32Array,
};

const align8 = (n: number): number => (n + 7) & ~7;

/** Encodes a message (any JSON value with typed arrays inside) as one binary frame. */
export function encodeFrame(message: unknown): Uint8Array {
  const arrays: AtlasTypedArray[] = [];
  const replaced = replaceArrays(message, arrays, 0);
  let offset = 0; // patched below once the header length is known
  const layout: [TypedArrayKind, number, number][] = [];
  // The header's length depends on the offsets' digits; settle it by fixed point (2–3 rounds).
  let headerBytes = new Uint8Array(0);
  for (let round = 0; round < 8; round++) {
    offset = align8(PREFIX + headerBytes.byteLength);
    layout.length = 0;
    for (const a of arrays) {
      layout.push([typedArrayKind(a)!, offset, a.length]);
      offset = align8(offset + a.byteLength);
    }
    const next = new TextEncoder().encode(JSON.stringify({ message: replaced, arrays: layout }));
    if (next.byteLength === headerBytes.byteLength) {
      headerBytes = next;
      break;
    }
    headerBytes = next;
  }
  if (layout.length && layout[0][1] < PREFIX + headerBytes.byteLength) {
    throw new FrameError('could not lay out the header');
  }
  const frame = new Uint8Array(offset || align8(PREFIX + headerBytes.byteLength));
  frame.set(MAGIC, 0);
  new DataView(frame.buffer).setUint32(4, headerBytes.byteLength, true);
  frame.set(headerBytes, PREFIX);
  arrays.forEach((a, i) => {
    frame.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), layout[i][1]);
  });
  return frame;
}

function replaceArrays(value: unknown, arrays: AtlasTypedArray[], depth: number): unknown {
  if (depth > 64) throw new FrameError('message nested more than 64 levels deep');
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    const kind = typedArrayKind(value);
    if (!kind) {
      const tag = Object.prototype.toString.call(value).slice(8, -1);
      throw new FrameError(`${tag} cannot be sent; use one of ${TYPED_ARRAY_KINDS.join(', ')}`);
    }
    arrays.push(value as AtlasTypedArray);
    return { [PLACEHOLDER]: arrays.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v) => replaceArrays(v, arrays, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === PLACEHOLDER) throw new FrameError(`"${PLACEHOLDER}" is a reserved key`);
    out[k] = replaceArrays(v, arrays, depth + 1);
  }
  return out;
}

/** Decodes a frame; typed arrays view the frame's bytes when aligned, else are copied. */
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): unknown {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength < PREFIX) throw new FrameError(`${bytes.byteLength} bytes is too short`);
  if (MAGIC.some((m, i) => bytes[i] !== m)) throw new FrameError('bad magic (not an Atlas frame)');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    4,
    true,
  );
  if (PREFIX + headerLength > bytes.byteLength) throw new FrameError('header runs past the end');
  let header: { message?: unknown; arrays?: unknown };
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(PREFIX, PREFIX + headerLength),
      ),
    );
  } catch (err) {
    throw new FrameError(`header is not JSON (${(err as Error).message})`);
  }
  if (
    !header ||
    typeof header !== 'object' ||
    !('message' in header) ||
    !Array.isArray(header.arrays)
  ) {
    throw new FrameError('header lacks "message" or "arrays"');
  }
  if (header.arrays.length > MAX_ARRAYS) throw new FrameError(`more than ${MAX_ARRAYS} arrays`);
  const arrays = header.arrays.map((entry, i) => readArray(bytes, entry, i, PREFIX + headerLength));
  return restoreArrays(header.message, arrays, 0);
}

function readArray(
  bytes: Uint8Array,
  entry: unknown,
  i: number,
  dataStart: number,
): AtlasTypedArray {
  if (!Array.isArray(entry) || entry.length !== 3)
    throw new FrameError(`array ${i}: bad layout entry`);
  const [kind, offset, length] = entry as [unknown, unknown, unknown];
  const Ctor = typeof kind === 'string' ? CTORS[kind as TypedArrayKind] : undefined;
  if (!Ctor || !Object.hasOwn(CTORS, kind as string))
    throw new FrameError(`array ${i}: unknown kind ${String(kind)}`);
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    (offset as number) < dataStart ||
    (length as number) < 0
  ) {
    throw new FrameError(`array ${i}: bad offset or length`);
  }
  const byteLength = (length as number) * Ctor.BYTES_PER_ELEMENT;
  if ((offset as number) + byteLength > bytes.byteLength)
    throw new FrameError(`array ${i}: runs past the end`);
  const absolute = bytes.byteOffset + (offset as number);
  if (absolute % Ctor.BYTES_PER_ELEMENT === 0)
    return new Ctor(bytes.buffer as ArrayBuffer, absolute, length as number);
  const copy = bytes.slice(offset as number, (offset as number) + byteLength);
  return new Ctor(copy.buffer, 0, length as number);
}

function restoreArrays(value: unknown, arrays: AtlasTypedArray[], depth: number): unknown {
  if (depth > 64) throw new FrameError('message nested more than 64 levels deep');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => restoreArrays(v, arrays, depth + 1));
  const record = value as Record<string, unknown>;
  if (PLACEHOLDER in record) {
    const index = record[PLACEHOLDER];
    if (Object.keys(record).length !== 1 || !Number.isInteger(index) || !arrays[index as number]) {
      throw new FrameError(`bad array reference ${JSON.stringify(record)}`);
    }
    return arrays[index as number];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = restoreArrays(v, arrays, depth + 1);
  return out;
}
