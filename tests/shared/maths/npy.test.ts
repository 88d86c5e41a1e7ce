import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asLatentMatrix, encodeNpy, NpyError, parseNpy } from '../../../src-main/shared/maths/npy';
import { fixturesDir } from '../../coverage/reference';

const file = (name: string) => new Uint8Array(readFileSync(resolve(fixturesDir, name)));
const expected = Array.from({ length: 12 }, (_, i) => i / 7);

describe('reading NPY files written by numpy', () => {
  it('float64 little-endian, v1', () => {
    const a = parseNpy(file('f8-le.npy'));
    expect(a.dtype).toBe('f8');
    expect(a.shape).toEqual([3, 4]);
    expect(Array.from(a.data as Float64Array)).toEqual(expected);
  });
  it('float32 big-endian', () => {
    const a = parseNpy(file('f4-be.npy'));
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data as Float32Array)).toEqual(expected.map(Math.fround));
  });
  it('int16 and big-endian uint64', () => {
    expect(Array.from(parseNpy(file('i2-le.npy')).data as Int16Array)).toEqual(
      Array.from({ length: 12 }, (_, i) => i - 6),
    );
    const u = parseNpy(file('u8-be.npy'));
    expect(u.shape).toEqual([2, 3]);
    expect(Array.from(u.data as BigUint64Array)).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => BigInt(i) * 1000000007n),
    );
  });
  it('Fortran order, returned in C order', () => {
    expect(Array.from(parseNpy(file('f8-fortran.npy')).data as Float64Array)).toEqual(expected);
  });
  it('format versions 2 and 3', () => {
    for (const name of ['f4-v2.npy', 'f4-v3.npy']) {
      const a = parseNpy(file(name));
      expect(a.shape).toEqual([3, 4]);
      expect(Array.from(a.data as Float32Array)).toEqual(expected.map(Math.fround));
    }
  });
});

describe('writing NPY', () => {
  it('round-trips every dtype, both byte orders and all versions, 64-byte aligned', () => {
    const arrays = [
      new Float32Array([1.5, -2, 3e-8, 4]),
      new Float64Array([Math.PI, -0, 1e300, 5]),
      new Int8Array([-128, 0, 1, 127]),
      new Uint8Array([0, 1, 2, 255]),
      new Int16Array([-32768, 1, 2, 3]),
      new Uint16Array([65535, 1, 2, 3]),
      new Int32Array([-5, 1, 2, 3]),
      new Uint32Array([4294967295, 1, 2, 3]),
      new BigInt64Array([-5n, 1n, 2n, 3n]),
      new BigUint64Array([2n ** 64n - 1n, 1n, 2n, 3n]),
    ];
    for (const data of arrays)
      for (const bigEndian of [false, true])
        for (const version of [1, 2, 3] as const) {
          const bytes = encodeNpy(data, [2, 2], { bigEndian, version });
          const headerEnd = bytes.length - data.byteLength;
          expect(headerEnd % 64).toBe(0);
          const back = parseNpy(bytes);
          expect(back.shape).toEqual([2, 2]);
          expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(
            Array.from(data as ArrayLike<unknown>),
          );
        }
  });
  it('writes a float32 v1.0 header padded to 64 bytes, as the page exports it', () => {
    const bytes = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(bytes.subarray(0, 6))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
    const headerLen = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parseNpy(encodeNpy(new Float32Array(3), [3])).shape).toEqual([3]);
  });
  it('writes what numpy writes for a float64 matrix', () => {
    const bytes = encodeNpy(Float64Array.from(expected), [3, 4]);
    expect(Buffer.from(bytes).equals(Buffer.from(file('f8-le.npy')))).toBe(true);
  });
});

describe('bad files get clear errors', () => {
  const error = (bytes: Uint8Array) => {
    try {
      parseNpy(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(NpyError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  it('empty file', () => expect(error(new Uint8Array(0))).toMatch(/empty file/));
  it('not NPY', () =>
    expect(error(new TextEncoder().encode('x,y\n1,2\n'))).toMatch(/not an NPY file/));
  it('truncated data', () => {
    const bytes = file('f8-le.npy');
    expect(error(bytes.subarray(0, bytes.length - 8))).toMatch(
      /truncated.*needs 96 bytes of data, found 88/,
    );
  });
  it('truncated header', () =>
    expect(error(file('f8-le.npy').subarray(0, 40))).toMatch(/truncated/));
  it('unsupported dtype', () =>
    expect(error(file('c8.npy'))).toMatch(/unsupported NPY dtype '<c8'/));
  it('wrong rank or dtype for a latent matrix', () => {
    expect(() => asLatentMatrix(parseNpy(file('f4-rank3.npy')))).toThrow(
      /shape \[n, d\], got rank 3/,
    );
    expect(() => asLatentMatrix(parseNpy(file('i2-le.npy')))).toThrow(
      /float32 or float64 latents, got dtype i2/,
    );
    expect(asLatentMatrix(parseNpy(file('f4-be.npy')))).toMatchObject({ n: 3, d: 4 });
  });
});
