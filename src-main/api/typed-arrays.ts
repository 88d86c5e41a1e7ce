import './zod-config';
import { z } from 'zod';

/**
 * Arrays cross process boundaries as typed arrays (structured clone, or binary WebSocket frames),
 * never as JSON arrays of numbers. These schemas check the kind by its tag rather than with
 * `instanceof`, because a typed array cloned into another realm (an Electron context-isolated
 * world, a vm context) has that realm's constructor.
 */
export const TYPED_ARRAY_KINDS = ['Float32Array', 'Uint8Array', 'Int32Array'] as const;
export type TypedArrayKind = (typeof TYPED_ARRAY_KINDS)[number];
export type AtlasTypedArray = Float32Array | Uint8Array | Int32Array;

/** The typed-array kind of `value`, or undefined when it is not one we carry. */
export function typedArrayKind(value: unknown): TypedArrayKind | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return (TYPED_ARRAY_KINDS as readonly string[]).includes(tag)
    ? (tag as TypedArrayKind)
    : undefined;
}

/** "an Int32Array", "a Float32Array", "a Uint8Array" (said "you-int"). */
function withArticle(name: string): string {
  return `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a plain array (send a typed array, not JSON numbers)';
  if (ArrayBuffer.isView(value))
    return withArticle(Object.prototype.toString.call(value).slice(8, -1));
  return typeof value;
}

function typedArray<T extends AtlasTypedArray>(kind: TypedArrayKind) {
  return z.custom<T>((v) => typedArrayKind(v) === kind, {
    error: (issue) => `expected ${withArticle(kind)}, got ${describe(issue.input)}`,
  });
}

export const Float32ArraySchema = typedArray<Float32Array>('Float32Array');
export const Uint8ArraySchema = typedArray<Uint8Array>('Uint8Array');
export const Int32ArraySchema = typedArray<Int32Array>('Int32Array');
