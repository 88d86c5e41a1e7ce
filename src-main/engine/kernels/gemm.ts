// A float32 matrix product C = op(A)·op(B) in 128-bit WebAssembly SIMD, run on the tfjs-wasm
// backend's own heap (the module imports that backend's memory, so tensors are read and written in
// place).
//
// Why: tfjs-wasm's BatchMatMul (XNNPACK) repacks its right operand on every call with a fresh
// tensor, and in training every right operand is fresh (updated weights, gradients): measured here,
// [64×4096]·[4096×512] took 74 ms with a fresh B against 32 ms with a cached one, and its transposed
// forms are 10–20× slower still (design.md). This kernel packs B into 8-column panels and A into
// 4-row strips with sequential copies (a transposed operand is packed straight from its stored
// layout, so no transpose is ever materialised), in Goto–van de Geijn blocks (KC rows of B, MC rows
// of A), and runs a register-blocked 4×8 micro-kernel: eight f32x4 accumulators, one broadcast of A
// per row and two loads of B per step of k. It is emitted from TypeScript with the coverage
// kernels' FunctionBody (coverage/kernels/wasm-writer.ts), so no compiled blob lives in the repo.
//
// Every C[i, j] is the float32 sum over k in increasing order (as XNNPACK and a naive loop compute
// it). Where relaxed SIMD is available (relaxed-simd.ts) each step is one f32x4.relaxed_madd, a
// fused multiply-add on CPUs with FMA: the product is not rounded before it is added, so results
// are within float32 rounding of the stock kernel's rather than equal, and ~8 % faster here (the
// kernel is bound by the accumulators' add latency; bench/conv-profile.ts). Without it the
// results equal the stock kernel's bit for bit.
import {
  FunctionBody,
  I32,
  V128,
  importedMemoryModule,
  unsignedLeb as leb,
  type ImportedMemoryFunction,
} from '../coverage/kernels/wasm-writer';
import { relaxedSimd } from './relaxed-simd';

const simd = (f: FunctionBody, opcode: number, ...immediates: number[]) =>
  f.code.push(0xfd, ...leb(opcode), ...immediates);
const f32x4Add = (f: FunctionBody) => simd(f, 0xe4);
const f32x4Mul = (f: FunctionBody) => simd(f, 0xe6);
/** f32x4.relaxed_madd (relaxed SIMD): a·b + c, fused where the CPU has FMA. */
const f32x4RelaxedMadd = (f: FunctionBody) => simd(f, 0x105);
/** v128.load32_splat: the f32 at the address, in all four lanes. */
const load32Splat = (f: FunctionBody, offset = 0) => simd(f, 0x09, 2, ...leb(offset));
const f32Load = (f: FunctionBody, offset = 0) => f.code.push(0x2a, 2, ...leb(offset));
const f32Store = (f: FunctionBody, offset = 0) => f.code.push(0x38, 2, ...leb(offset));

/** `dst += bytes` for an i32 local. */
const advance = (f: FunctionBody, local: number, bytes: number | { local: number }) => {
  f.get(local);
  if (typeof bytes === 'number') f.i32(bytes);
  else f.get(bytes.local);
  f.i32Add().set(local);
};

/**
 * packB(b, ldb, k, n, dst): panels of 8 columns, dst[(j/8)·k·8 + kk·8 + l] = B[kk, j + l], from B
 * stored row-major (B[kk, j] at b + kk·ldb + 4j). n a multiple of 8; addresses, ldb in bytes.
 */
function emitPackB(f: FunctionBody): void {
  const [b, ldb, k, n, dst] = [0, 1, 2, 3, 4];
  const [j, kk, src, out] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  f.get(dst).set(out);
  f.forRange(
    j,
    () => f.i32(0),
    n,
    8,
    () => {
      f.get(b).get(j).i32(4).i32Mul().i32Add().set(src);
      f.forRange(
        kk,
        () => f.i32(0),
        k,
        1,
        () => {
          f.get(out).get(src).v128Load(0).v128Store(0);
          f.get(out).get(src).v128Load(16).v128Store(16);
          advance(f, out, 32);
          advance(f, src, { local: ldb });
        },
      );
    },
  );
}

/** packBT: as packB, from B stored transposed (B[kk, j] at b + j·ldb + 4kk). */
function emitPackBT(f: FunctionBody): void {
  const [b, ldb, k, n, dst] = [0, 1, 2, 3, 4];
  const [j, kk, out] = [f.local(I32), f.local(I32), f.local(I32)];
  const col = Array.from({ length: 8 }, () => f.local(I32));
  f.get(dst).set(out);
  f.forRange(
    j,
    () => f.i32(0),
    n,
    8,
    () => {
      for (let l = 0; l < 8; l++)
        f.get(b).get(j).i32(l).i32Add().get(ldb).i32Mul().i32Add().set(col[l]);
      f.forRange(
        kk,
        () => f.i32(0),
        k,
        1,
        () => {
          for (let l = 0; l < 8; l++) {
            f.get(out).get(col[l]);
            f32Load(f);
            f32Store(f, 4 * l);
            advance(f, col[l], 4);
          }
          advance(f, out, 32);
        },
      );
    },
  );
}

/**
 * packA(a, lda, m, k, dst): strips of 4 rows, dst[(i/4)·k·4 + kk·4 + r] = A[i + r, kk], from A
 * stored row-major (A[i, kk] at a + i·lda + 4kk). m a multiple of 4.
 */
function emitPackA(f: FunctionBody): void {
  const [a, lda, m, k, dst] = [0, 1, 2, 3, 4];
  const [i, kk, out] = [f.local(I32), f.local(I32), f.local(I32)];
  const row = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  f.get(dst).set(out);
  f.forRange(
    i,
    () => f.i32(0),
    m,
    4,
    () => {
      for (let r = 0; r < 4; r++)
        f.get(a).get(i).i32(r).i32Add().get(lda).i32Mul().i32Add().set(row[r]);
      f.forRange(
        kk,
        () => f.i32(0),
        k,
        1,
        () => {
          for (let r = 0; r < 4; r++) {
            f.get(out).get(row[r]);
            f32Load(f);
            f32Store(f, 4 * r);
            advance(f, row[r], 4);
          }
          advance(f, out, 16);
        },
      );
    },
  );
}

/** packAT: as packA, from A stored transposed (A[i, kk] at a + kk·lda + 4i): one v128 per step. */
function emitPackAT(f: FunctionBody): void {
  const [a, lda, m, k, dst] = [0, 1, 2, 3, 4];
  const [i, kk, src, out] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  f.get(dst).set(out);
  f.forRange(
    i,
    () => f.i32(0),
    m,
    4,
    () => {
      f.get(a).get(i).i32(4).i32Mul().i32Add().set(src);
      f.forRange(
        kk,
        () => f.i32(0),
        k,
        1,
        () => {
          f.get(out).get(src).v128Load(0).v128Store(0);
          advance(f, out, 16);
          advance(f, src, { local: lda });
        },
      );
    },
  );
}

/**
 * gemm(pa, pb, k, m, n, c, ldc): C[i, j] = Σ_kk A[i, kk]·B[kk, j] for i < m (a multiple of 4),
 * j < n (a multiple of 8), from A packed by packA/packAT and B by packB/packBT; c, ldc in bytes.
 * With `accumulate` (gemmAdd) the sums start from C's values instead of zero, so a product split
 * into blocks of k adds up in the same order as one pass.
 */
function emitGemm(f: FunctionBody, accumulate: boolean, fma: boolean): void {
  const [packedA, packedB, k, m, n, c, ldc] = [0, 1, 2, 3, 4, 5, 6];
  const [j, i, kk, kEven, panel, pa, pb, pc] = Array.from({ length: 8 }, () => f.local(I32));
  const [b0, b1, av] = [f.local(V128), f.local(V128), f.local(V128)];
  const acc = [0, 1, 2, 3].map(() => [f.local(V128), f.local(V128)]);
  /** One step of k: A's four values at pa + aOffset, B's eight at pb + bOffset. */
  const step = (aOffset: number, bOffset: number) => {
    f.get(pb).v128Load(bOffset).set(b0);
    f.get(pb)
      .v128Load(bOffset + 16)
      .set(b1);
    for (let r = 0; r < 4; r++) {
      f.get(pa);
      load32Splat(f, aOffset + 4 * r);
      f.set(av);
      for (let h = 0; h < 2; h++) {
        if (fma) {
          f.get(av)
            .get(h === 0 ? b0 : b1)
            .get(acc[r][h]);
          f32x4RelaxedMadd(f);
        } else {
          f.get(acc[r][h])
            .get(av)
            .get(h === 0 ? b0 : b1);
          f32x4Mul(f);
          f32x4Add(f);
        }
        f.set(acc[r][h]);
      }
    }
  };
  const rowAddress = (r: number) => {
    // pc = c + (i + r)·ldc + 4j
    f.get(c).get(i).i32(r).i32Add().get(ldc).i32Mul().i32Add();
    f.get(j).i32(4).i32Mul().i32Add().set(pc);
  };
  f.get(k).i32(-2).i32And().set(kEven);
  f.forRange(
    j,
    () => f.i32(0),
    n,
    8,
    () => {
      // panel = packedB + 4·j·k (the j/8-th panel of k rows of 8 floats)
      f.get(packedB).get(j).get(k).i32Mul().i32(4).i32Mul().i32Add().set(panel);
      f.forRange(
        i,
        () => f.i32(0),
        m,
        4,
        () => {
          for (let r = 0; r < 4; r++) {
            if (accumulate) {
              rowAddress(r);
              f.get(pc).v128Load(0).set(acc[r][0]);
              f.get(pc).v128Load(16).set(acc[r][1]);
            } else {
              f.v128Zero().set(acc[r][0]);
              f.v128Zero().set(acc[r][1]);
            }
          }
          f.get(packedA).get(i).get(k).i32Mul().i32(4).i32Mul().i32Add().set(pa);
          f.get(panel).set(pb);
          f.forRange(
            kk,
            () => f.i32(0),
            kEven,
            2,
            () => {
              step(0, 0);
              step(16, 32);
              advance(f, pa, 32);
              advance(f, pb, 64);
            },
          );
          f.block(() => {
            f.get(kk).get(k).i32GeS().brIf(0);
            step(0, 0);
          });
          for (let r = 0; r < 4; r++) {
            rowAddress(r);
            f.get(pc).get(acc[r][0]).v128Store(0);
            f.get(pc).get(acc[r][1]).v128Store(16);
          }
        },
      );
    },
  );
}

/** Blocking: KC rows of B per packed panel (8 KB per 8-column panel), MC rows of A per strip. */
export const KC = 256;
export const MC = 64;

/** Function indices in the module, in the order `buildGemmModule` adds them. */
const [PACK_B, PACK_BT, PACK_A, PACK_AT, GEMM, GEMM_ADD, PACK_ALL_B, PRODUCT_PACKED] = [
  0, 1, 2, 3, 4, 5, 6, 7,
];

const raw = (f: FunctionBody, ...bytes: number[]) => f.code.push(...bytes);
const call = (f: FunctionBody, index: number) => raw(f, 0x10, ...leb(index));
/** i32 select: the first operand where the condition is non-zero, else the second. */
const select = (f: FunctionBody) => raw(f, 0x1b);
const i32Or = (f: FunctionBody) => raw(f, 0x72);
const i32Eq = (f: FunctionBody) => raw(f, 0x46);
const i32Ne = (f: FunctionBody) => raw(f, 0x47);
/** Unsigned ≥: addresses above 2 GiB are negative as signed i32s. */
const i32GeU = (f: FunctionBody) => raw(f, 0x4f);
/** if … (else …) end on the i32 on the stack. */
const ifElse = (f: FunctionBody, then: () => void, otherwise?: () => void) => {
  raw(f, 0x04, 0x40);
  then();
  if (otherwise) {
    raw(f, 0x05);
    otherwise();
  }
  raw(f, 0x0b);
};
/** memory.copy(dst, src, bytes) with the operands on the stack. */
const memoryCopy = (f: FunctionBody) => raw(f, 0xfc, ...leb(10), 0, 0);
const f32x4Splat = (f: FunctionBody, value: number) =>
  simd(f, 0x0c, ...new Uint8Array(new Float32Array([value, value, value, value]).buffer));
/** f32x4.pmax(a, b) = a < b ? b : a and f32x4.pmin(a, b) = b < a ? b : a: XNNPACK's clamps. */
const f32x4Pmax = (f: FunctionBody) => simd(f, 0xeb);
const f32x4Pmin = (f: FunctionBody) => simd(f, 0xea);

/** The activations `product` applies to C, numbered as tfjs-wasm's FusableActivation. */
export const ACTIVATIONS = { linear: 0, relu: 1, relu6: 2 } as const;

/** Bytes of packed B that packAllB writes: all of it, KC rows of 8-column panels after another. */
export function packedBBytes(k: number, n: number): number {
  return k * n * 4;
}

/** Bytes of packed A that productPacked uses: one strip of MC rows and KC columns. */
export function packedABytes(m: number, k: number): number {
  return Math.min(m, MC) * Math.min(k, KC) * 4;
}

/** Bytes of `scratch` that product(…, m, k, n, scratch, …) packs its operands into. */
export function productScratchBytes(m: number, k: number, n: number): number {
  return packedBBytes(k, n) + packedABytes(m, k);
}

/** min(value, limit) on the stack, `value` pushing an i32. */
function minWith(f: FunctionBody, value: () => void, limit: number): void {
  value();
  f.i32(limit);
  value();
  f.i32(limit);
  f.i32LtS();
  select(f);
}

/**
 * packAllB(b, ldb, tb, k, n, dst): all of B packed, block after block of KC rows (block p at
 * dst + 4pn, as packB/packBT write it), from B stored as B[kk, j] at b + kk·ldb + 4j (tb = 0) or
 * b + j·ldb + 4kk (tb = 1). Addresses and strides in bytes.
 */
function emitPackAllB(f: FunctionBody): void {
  const [b, ldb, tb, k, n, dst] = [0, 1, 2, 3, 4, 5];
  const [p, depth] = [f.local(I32), f.local(I32)];
  f.forRange(
    p,
    () => f.i32(0),
    k,
    KC,
    () => {
      minWith(f, () => f.get(k).get(p).i32Sub(), KC);
      f.set(depth);
      const target = () => f.get(dst).get(p).get(n).i32Mul().i32(4).i32Mul().i32Add();
      f.get(tb);
      ifElse(
        f,
        () => {
          f.get(b).get(p).i32(4).i32Mul().i32Add().get(ldb).get(depth).get(n);
          target();
          call(f, PACK_BT);
        },
        () => {
          f.get(b).get(p).get(ldb).i32Mul().i32Add().get(ldb).get(depth).get(n);
          target();
          call(f, PACK_B);
        },
      );
    },
  );
}

/**
 * productPacked(a, lda, ta, packedB, c, ldc, m, k, n, packedA, bias, act): rows 0 … m − 1 of
 * C = op(A)·B (+ bias, then the activation) with B packed by packAllB: for every block of KC rows of
 * B, for every MC rows of A, pack the strip (packA/packAT, into packedA: packedABytes(m, k)) and run
 * gemm on it (gemmAdd after the first block of k). A[i, kk] at a + i·lda + 4kk (ta = 0) or
 * a + kk·lda + 4i (ta = 1); C[i, j] at c + i·ldc + 4j; all in bytes; m a multiple of 4, n of 8.
 *
 * Rows i0 … i1 of a product are the same call with a and c moved to row i0, and every C[i, j] is
 * summed in increasing k whatever the blocking, so a product split by rows between threads equals
 * one call bit for bit. With a bias (its address; 0 for none) each row of C starts as the bias and
 * every block adds onto it, C[i, j] = ((bias_j + A[i,0]·B[0,j]) + A[i,1]·B[1,j]) + …, the order of
 * XNNPACK's fully-connected kernels (tfjs-wasm's _FusedMatMul); act (ACTIVATIONS) relu clamps C
 * below at 0, relu6 also above at 6, with XNNPACK's pmax/pmin, after the last block of k.
 */
function emitProductPacked(f: FunctionBody): void {
  const [a, lda, ta, packedB, c, ldc, m, k, n, packedA, bias, act] = Array.from(
    { length: 12 },
    (_, i) => i,
  );
  const [p, i, depth, rows, row, rowEnd, q, end, rowBytes] = Array.from({ length: 9 }, () =>
    f.local(I32),
  );
  const v = f.local(V128);
  f.get(n).i32(4).i32Mul().set(rowBytes);
  // Rows of C start as the bias.
  f.get(bias);
  ifElse(f, () =>
    f.forRange(
      row,
      () => f.i32(0),
      m,
      1,
      () => {
        f.get(c).get(row).get(ldc).i32Mul().i32Add().get(bias).get(rowBytes);
        memoryCopy(f);
      },
    ),
  );
  f.forRange(
    p,
    () => f.i32(0),
    k,
    KC,
    () => {
      minWith(f, () => f.get(k).get(p).i32Sub(), KC);
      f.set(depth);
      f.forRange(
        i,
        () => f.i32(0),
        m,
        MC,
        () => {
          minWith(f, () => f.get(m).get(i).i32Sub(), MC);
          f.set(rows);
          // A[i.., p..]: at a + i·lda + 4p, or (transposed) a + p·lda + 4i.
          f.get(ta);
          ifElse(
            f,
            () => {
              f.get(a).get(p).get(lda).i32Mul().i32Add().get(i).i32(4).i32Mul().i32Add();
              f.get(lda).get(rows).get(depth).get(packedA);
              call(f, PACK_AT);
            },
            () => {
              f.get(a).get(i).get(lda).i32Mul().i32Add().get(p).i32(4).i32Mul().i32Add();
              f.get(lda).get(rows).get(depth).get(packedA);
              call(f, PACK_A);
            },
          );
          const multiply = (index: number) => {
            // the block of B for rows p…: packedB + 4pn
            f.get(packedA).get(packedB).get(p).get(n).i32Mul().i32(4).i32Mul().i32Add();
            f.get(depth).get(rows).get(n);
            f.get(c).get(i).get(ldc).i32Mul().i32Add().get(ldc);
            call(f, index);
          };
          // The first block of k starts from zero, unless it starts from the bias.
          f.get(p).get(bias);
          i32Or(f);
          ifElse(
            f,
            () => multiply(GEMM_ADD),
            () => multiply(GEMM),
          );
          // After the last block of k: the activation on these rows.
          f.get(act).i32(0);
          i32Ne(f);
          f.get(p).get(depth).i32Add().get(k).i32GeS();
          f.i32And();
          ifElse(f, () => {
            f.get(i).get(rows).i32Add().set(rowEnd);
            f.forRange(
              row,
              () => f.get(i),
              rowEnd,
              1,
              () => {
                f.get(c).get(row).get(ldc).i32Mul().i32Add().set(q);
                f.get(q).get(rowBytes).i32Add().set(end);
                f.block(() =>
                  f.loop(() => {
                    f.get(q).get(end);
                    i32GeU(f);
                    f.brIf(1);
                    f32x4Splat(f, 0);
                    f.get(q).v128Load(0);
                    f32x4Pmax(f);
                    f.set(v);
                    // relu6: also min(6, ·)
                    f.get(act).i32(ACTIVATIONS.relu6);
                    i32Eq(f);
                    ifElse(f, () => {
                      f32x4Splat(f, 6);
                      f.get(v);
                      f32x4Pmin(f);
                      f.set(v);
                    });
                    f.get(q).get(v).v128Store(0);
                    advance(f, q, 16);
                    f.br(0);
                  }),
                );
              },
            );
          });
        },
      );
    },
  );
}

/**
 * product(a, lda, ta, b, ldb, tb, c, ldc, m, k, n, scratch, bias, act): the whole product on one
 * thread, packAllB into scratch then productPacked (scratch: productScratchBytes(m, k, n) bytes).
 */
function emitProduct(f: FunctionBody): void {
  const [a, lda, ta, b, ldb, tb, c, ldc, m, k, n, scratch, bias, act] = Array.from(
    { length: 14 },
    (_, i) => i,
  );
  f.get(b).get(ldb).get(tb).get(k).get(n).get(scratch);
  call(f, PACK_ALL_B);
  f.get(a).get(lda).get(ta).get(scratch).get(c).get(ldc).get(m).get(k).get(n);
  f.get(scratch).get(k).get(n).i32Mul().i32(4).i32Mul().i32Add();
  f.get(bias).get(act);
  call(f, PRODUCT_PACKED);
}

/**
 * The module's bytes: imports `env.memory` (declared shared, at most 4 GiB, with `shared`); exports
 * the packers, `gemm`, `gemmAdd`, `packAllB`, `productPacked` and `product`.
 */
export function buildGemmModule(shared = false, fma = relaxedSimd()): Uint8Array<ArrayBuffer> {
  const functions: ImportedMemoryFunction[] = [];
  const add = (name: string, params: number, emit: (f: FunctionBody) => void) => {
    const body = new FunctionBody(params);
    emit(body);
    functions.push({ name, parameters: new Array(params).fill(I32), body });
  };
  add('packB', 5, emitPackB);
  add('packBT', 5, emitPackBT);
  add('packA', 5, emitPackA);
  add('packAT', 5, emitPackAT);
  add('gemm', 7, (f) => emitGemm(f, false, fma));
  add('gemmAdd', 7, (f) => emitGemm(f, true, fma));
  add('packAllB', 6, emitPackAllB);
  add('productPacked', 12, emitProductPacked);
  add('product', 14, emitProduct);
  return importedMemoryModule(functions, shared);
}

type Pack = (source: number, stride: number, rows: number, depth: number, dst: number) => void;
type Multiply = (
  pa: number,
  pb: number,
  k: number,
  m: number,
  n: number,
  c: number,
  ldc: number,
) => void;
/** packAllB(b, ldb, tb, k, n, dst) */
export type PackAll = (...args: number[]) => void;
/** productPacked(a, lda, ta, packedB, c, ldc, m, k, n, packedA, bias, act) */
export type ProductPacked = (...args: number[]) => void;
/** product(a, lda, ta, b, ldb, tb, c, ldc, m, k, n, scratch, bias, act) */
export type Product = (...args: number[]) => void;

export interface GemmKernel {
  packB: Pack;
  packBT: Pack;
  packA: Pack;
  packAT: Pack;
  gemm: Multiply;
  gemmAdd: Multiply;
  packAllB: PackAll;
  productPacked: ProductPacked;
  product: Product;
}

const compiled: [WebAssembly.Module | null | undefined, WebAssembly.Module | null | undefined] = [
  undefined,
  undefined,
];

/** The compiled module (unshared or shared memory), or null where WebAssembly SIMD is unavailable. */
export function gemmModule(shared = false): WebAssembly.Module | null {
  const slot = shared ? 1 : 0;
  if (compiled[slot] === undefined) {
    try {
      const bytes = buildGemmModule(shared);
      compiled[slot] = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled[slot] = null;
    }
  }
  return compiled[slot] ?? null;
}

/** The kernel instantiated on `memory`, or null where WebAssembly SIMD is unavailable. */
export function instantiateGemm(memory: WebAssembly.Memory, shared = false): GemmKernel | null {
  const module = gemmModule(shared);
  if (!module) return null;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as GemmKernel;
}
