import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameError } from '../../src-main/api/framing';

describe('binary frames', () => {
  it('round-trips a message with typed arrays anywhere in it, without JSON numbers', () => {
    const message = {
      type: 'event',
      payload: {
        means: Float32Array.from([1.5, -2, 3.25]),
        labels: Int32Array.from([7, -1]),
        nested: [{ png: Uint8Array.from([1, 2, 3]) }, 'text', null, 4],
        empty: new Float32Array(0),
      },
    };
    const frame = encodeFrame(message);
    const header = new TextDecoder().decode(
      frame.subarray(8, 8 + new DataView(frame.buffer).getUint32(4, true)),
    );
    expect(header).not.toContain('1.5');
    const back = decodeFrame(frame) as typeof message;
    expect(back).toEqual(message);
    expect(back.payload.means).toBeInstanceOf(Float32Array);
    expect(back.payload.labels).toBeInstanceOf(Int32Array);
    expect(back.payload.nested[0]).toEqual({ png: Uint8Array.from([1, 2, 3]) });
  });

  it('aligns arrays so the receiver views them in place', () => {
    const frame = encodeFrame({ a: new Uint8Array(3), b: new Float32Array(2) });
    const back = decodeFrame(frame) as { a: Uint8Array; b: Float32Array };
    expect(back.b.buffer).toBe(frame.buffer);
    expect(back.b.byteOffset % 8).toBe(0);
  });

  it('copies arrays when the frame arrives at an odd offset (pooled Node buffers)', () => {
    const frame = encodeFrame({ z: Float32Array.from([1, 2, 3]) });
    const pool = new Uint8Array(frame.length + 1);
    pool.set(frame, 1);
    const back = decodeFrame(pool.subarray(1)) as { z: Float32Array };
    expect(Array.from(back.z)).toEqual([1, 2, 3]);
  });

  it('keeps a subarray to its own bytes', () => {
    const whole = Float32Array.from([1, 2, 3, 4]);
    const back = decodeFrame(encodeFrame({ z: whole.subarray(1, 3) })) as { z: Float32Array };
    expect(Array.from(back.z)).toEqual([2, 3]);
  });

  it('carries a full latent snapshot (70,000 points of 32 dimensions with labels) as raw bytes', () => {
    const means = new Float32Array(70_000 * 32).map((_, i) => i % 97);
    const labels = Int32Array.from({ length: 70_000 }, (_, i) => i % 10);
    const frame = encodeFrame({ means, labels });
    // The arrays travel as their own bytes beside a small JSON header, never as JSON numbers.
    expect(frame.byteLength).toBeLessThan(means.byteLength + labels.byteLength + 1024);
    const back = decodeFrame(frame) as {
      means: Float32Array;
      labels: Int32Array;
    };
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(back.means).equals(bytes(means))).toBe(true);
    expect(back.labels[69_999]).toBe(9);
  });

  it('refuses arrays it does not carry, and the reserved key', () => {
    expect(() => encodeFrame({ z: new Float64Array(2) })).toThrow(/Float64Array cannot be sent/);
    expect(() => encodeFrame({ $typed: 0 })).toThrow(/reserved/);
  });

  it.each([
    ['too short', new Uint8Array(3), /too short/],
    ['bad magic', new Uint8Array(16), /bad magic/],
  ])('refuses a frame that is %s', (_label, bytes, pattern) => {
    expect(() => decodeFrame(bytes)).toThrow(FrameError);
    expect(() => decodeFrame(bytes)).toThrow(pattern);
  });

  function forged(header: string, extra = 0): Uint8Array {
    const json = new TextEncoder().encode(header);
    const frame = new Uint8Array(8 + json.length + extra);
    frame.set([0x4c, 0x41, 0x46, 0x31]);
    new DataView(frame.buffer).setUint32(4, json.length, true);
    frame.set(json, 8);
    return frame;
  }

  it.each([
    ['a header that is not JSON', forged('{nope'), /not JSON/],
    ['a header without arrays', forged('{"message":1}'), /lacks/],
    [
      'an array past the end',
      forged('{"message":{"$typed":0},"arrays":[["Float32Array",72,1000]]}', 16),
      /past the end/,
    ],
    [
      'an unknown array kind',
      forged('{"message":1,"arrays":[["BigInt64Array",40,0]]}', 8),
      /unknown kind/,
    ],
    [
      'an array inside the header',
      forged('{"message":1,"arrays":[["Uint8Array",0,4]]}'),
      /bad offset/,
    ],
    ['a dangling reference', forged('{"message":{"$typed":3},"arrays":[]}'), /bad array reference/],
    [
      'a header length past the end',
      (() => {
        const f = forged('{}');
        new DataView(f.buffer).setUint32(4, 999, true);
        return f;
      })(),
      /past the end/,
    ],
  ])('refuses %s', (_label, bytes, pattern) => {
    expect(() => decodeFrame(bytes)).toThrow(pattern);
  });
});
