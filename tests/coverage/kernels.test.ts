import { describe, expect, it } from 'vitest';
import {
  buildModule,
  createKernelContext,
  type KernelContext,
} from '../../src-main/engine/coverage/kernels/gram-kernels';
import { Random } from '../../src-main/engine/coverage/random';

function fill(context: KernelContext, values: Float64Array): number {
  const address = context.workspace.alloc(values.length);
  context.workspace.f64.set(values, address / 8);
  return address;
}

describe('float64 Gram kernels', () => {
  it('the emitted module is valid WebAssembly with SIMD', () => {
    expect(WebAssembly.validate(buildModule())).toBe(true);
    expect(createKernelContext().simd).toBe(true);
  });

  it('C[j][k] += Σ_i A[j][i] B[k][i] equals the naive sum, in SIMD and in JavaScript', () => {
    const random = new Random(5);
    const [aCount, bCount, len, stride] = [6, 12, 34, 36];
    const A = random.normalMatrix(aCount, stride);
    const B = random.normalMatrix(bCount, stride);
    for (const forceJavaScript of [false, true]) {
      const context = createKernelContext(forceJavaScript);
      const a = fill(context, A);
      const b = fill(context, B);
      const c = context.workspace.alloc(aCount * bCount);
      context.kernels.gram(a, aCount, b, bCount, len, stride * 8, c, bCount * 8, 8, false, 0);
      const C = context.workspace.f64.subarray(c / 8, c / 8 + aCount * bCount);
      for (let j = 0; j < aCount; j++)
        for (let k = 0; k < bCount; k++) {
          let s = 0;
          for (let i = 0; i < len; i++) s += A[j * stride + i] * B[k * stride + i];
          expect(Math.abs(C[j * bCount + k] - s)).toBeLessThan(1e-13);
        }
    }
  });

  it('the triangle option computes every entry with k ≥ j + diagonal', () => {
    const random = new Random(6);
    const [count, len] = [12, 8];
    const A = random.normalMatrix(count, len);
    for (const forceJavaScript of [false, true]) {
      const context = createKernelContext(forceJavaScript);
      const a = fill(context, A);
      const c = context.workspace.alloc(count * count);
      context.kernels.gram(a, count, a, count, len, len * 8, c, count * 8, 8, true, 2);
      const C = context.workspace.f64.subarray(c / 8, c / 8 + count * count);
      for (let j = 0; j < count; j++)
        for (let k = j + 2; k < count; k++) {
          let s = 0;
          for (let i = 0; i < len; i++) s += A[j * len + i] * A[k * len + i];
          expect(Math.abs(C[j * count + k] - s)).toBeLessThan(1e-13);
        }
    }
  });

  it('hadamard: X[j] = A ∘ B[j]', () => {
    const random = new Random(7);
    const A = random.normalMatrix(1, 10);
    const B = random.normalMatrix(3, 10);
    const context = createKernelContext();
    const a = fill(context, A);
    const b = fill(context, B);
    const x = context.workspace.alloc(30);
    context.kernels.hadamard(x, a, b, 3, 10, 80);
    const X = context.workspace.f64.subarray(x / 8, x / 8 + 30);
    for (let j = 0; j < 3; j++)
      for (let i = 0; i < 10; i++) expect(X[j * 10 + i]).toBe(A[i] * B[j * 10 + i]);
  });
});
