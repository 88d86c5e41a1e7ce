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
// it), so results match the stock kernel's.
import { FunctionBody, I32, V128, unsignedLeb as leb } from '../coverage/kernels/wasm-writer';

const simd = (f: FunctionBody, opcode: number, ...immediates: number[]) =>
  f.code.push(0xfd, ...leb(opcode), ...immediates);
const f32x4Add = (f: FunctionBody) => simd(f, 0xe4);
const f32x4Mul = (f: FunctionBody) => simd(f, 0xe6);
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
function emitGemm(f: FunctionBody, accumulate: boolean): void {
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
        f.get(acc[r][h])
          .get(av)
          .get(h === 0 ? b0 : b1);
        f32x4Mul(f);
        f32x4Add(f);
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

/** The module's bytes: imports `env.memory`; exports the packers, `gemm` and `gemmAdd`. */
export function buildGemmModule(): Uint8Array<ArrayBuffer> {
  const functions: { name: string; params: number; body: FunctionBody }[] = [];
  const add = (name: string, params: number, emit: (f: FunctionBody) => void) => {
    const body = new FunctionBody(params);
    emit(body);
    functions.push({ name, params, body });
  };
  add('packB', 5, emitPackB);
  add('packBT', 5, emitPackBT);
  add('packA', 5, emitPackA);
  add('packAT', 5, emitPackAT);
  add('gemm', 7, (f) => emitGemm(f, false));
  add('gemmAdd', 7, (f) => emitGemm(f, true));
  const vector = (items: number[][]) => [...leb(items.length), ...items.flat()];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => {
    const bytes = Array.from(new TextEncoder().encode(text));
    return [...leb(bytes.length), ...bytes];
  };
  const signature = (params: number) => [0x60, ...vector(new Array(params).fill([I32])), 0];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(functions.map((f) => signature(f.params)))),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector(functions.map((_, i) => leb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...leb(i)]))),
    ...section(10, vector(functions.map((f) => f.body.encode()))),
  ];
  return new Uint8Array(bytes);
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

export interface GemmKernel {
  packB: Pack;
  packBT: Pack;
  packA: Pack;
  packAT: Pack;
  gemm: Multiply;
  gemmAdd: Multiply;
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernel instantiated on `memory`, or null where WebAssembly SIMD is unavailable. */
export function instantiateGemm(memory: WebAssembly.Memory): GemmKernel | null {
  if (compiled === undefined) {
    try {
      const bytes = buildGemmModule();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  return instance.exports as unknown as GemmKernel;
}
