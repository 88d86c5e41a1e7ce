// Adam's update of one variable in one pass of 128-bit WebAssembly SIMD over the tfjs-wasm heap
// (training/fused-adam.ts runs it). Each f32x4 operation rounds to float32 exactly as tfjs' Mul,
// Add, RealDiv and Sqrt kernels do, and in their order, so the results are bit for bit tfjs' Adam.
import {
  F32,
  FunctionBody,
  I32,
  V128,
  importedMemoryModule,
  unsignedLeb as leb,
  type ValueType,
} from '../coverage/kernels/wasm-writer';
import { heapKernel } from './heap-kernel';

const op = (f: FunctionBody, opcode: number) => f.code.push(0xfd, ...leb(opcode));
const [SPLAT, SQRT, ADD, MUL, DIV] = [0x13, 0xe3, 0xe4, 0xe6, 0xe7];

/**
 * adam(value, gradient, m, v, outValue, outM, outV, bytes, β₁, β₂, 1−β₁, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε,
 * −lr): addresses and the length (a multiple of 16) in bytes, then the float32 constants.
 *   m' = β₁·m + (1−β₁)·g;  v' = β₂·v + (1−β₂)·g²;
 *   θ' = ((m'/(1−β₁ᵗ)) / (√(v'/(1−β₂ᵗ)) + ε))·(−lr) + θ
 */
function emitAdam(f: FunctionBody): void {
  const [value, gradient, m, v, outValue, outM, outV, bytes] = [0, 1, 2, 3, 4, 5, 6, 7];
  const constants = Array.from({ length: 8 }, (_, i) => 8 + i);
  const [b1, b2, c1, c2, k1, k2, eps, step] = constants.map(() => f.local(V128));
  const [i, g, m1, v1] = [f.local(I32), f.local(V128), f.local(V128), f.local(V128)];
  [b1, b2, c1, c2, k1, k2, eps, step].forEach((local, j) => {
    f.get(constants[j]);
    op(f, SPLAT);
    f.set(local);
  });
  const at = (base: number) => f.get(base).get(i).i32Add();
  f.forRange(
    i,
    () => f.i32(0),
    bytes,
    16,
    () => {
      at(gradient).v128Load(0).set(g);
      // m' = m·β₁ + g·(1−β₁)
      at(m).v128Load(0).get(b1);
      op(f, MUL);
      f.get(g).get(c1);
      op(f, MUL);
      op(f, ADD);
      f.set(m1);
      // v' = v·β₂ + (g·g)·(1−β₂)
      at(v).v128Load(0).get(b2);
      op(f, MUL);
      f.get(g).get(g);
      op(f, MUL);
      f.get(c2);
      op(f, MUL);
      op(f, ADD);
      f.set(v1);
      at(outM).get(m1).v128Store(0);
      at(outV).get(v1).v128Store(0);
      // θ' = ((m'/k₁) / (√(v'/k₂) + ε))·(−lr) + θ
      at(outValue);
      f.get(m1).get(k1);
      op(f, DIV);
      f.get(v1).get(k2);
      op(f, DIV);
      op(f, SQRT);
      f.get(eps);
      op(f, ADD);
      op(f, DIV);
      f.get(step);
      op(f, MUL);
      at(value).v128Load(0);
      op(f, ADD);
      f.v128Store(0);
    },
  );
}

/** The module's bytes: imports `env.memory` (tfjs-wasm's heap); exports `adam`. */
export function buildAdamModule(): Uint8Array<ArrayBuffer> {
  const body = new FunctionBody(16);
  emitAdam(body);
  const parameters: ValueType[] = [...new Array(8).fill(I32), ...new Array(8).fill(F32)];
  return importedMemoryModule([{ name: 'adam', parameters, body }]);
}

/** adam(...) on the tfjs heap, or null where WebAssembly SIMD is unavailable. */
export const adamKernel = heapKernel<{ adam: (...args: number[]) => void }>(buildAdamModule);
