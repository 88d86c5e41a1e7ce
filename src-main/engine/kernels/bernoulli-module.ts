// −log p(x | z) of Bernoulli pixels for many importance samples at once, in one pass of 128-bit
// WebAssembly SIMD over the logits on the tfjs-wasm heap: out[r] = Σ_j softplus(l[r, j]) −
// x[⌊r/k⌋, j]·l[r, j], the sigmoid cross-entropy of likelihood.ts, for logits [m·k, D] holding k
// rows per item of x [m, D]. tfjs-wasm's Softplus (scalar log(exp(l) + 1)) and a separate product
// with x cost several passes over the m·k·D logits; here each is read once.
//
// softplus(l) = max(l, 0) + log1p(e), e = exp(−|l|) ∈ (0, 1]:
//   exp by range reduction, x = n·ln 2 + r (Cody–Waite split of ln 2), |r| ≤ ln 2 / 2, a degree-7
//   Taylor polynomial for exp(r) (truncation < 3e-8 relative), and 2ⁿ built in the exponent bits;
//   log1p(e) = 2·atanh(s), s = e / (2 + e) ∈ (0, 1/3], by its odd series to s¹⁷ (< 2e-9 relative).
// Both stay within float32 rounding of the exact values; the row sums are taken in another order
// than tf.sum, so results agree with model/likelihood.ts to float32 tolerance (tests/engine/iwae.test.ts).
// This file builds the module (for the tfjs heap or, shared, for the worker threads of
// gemm-threads.ts); bernoulli.ts runs it.
import {
  FunctionBody,
  I32,
  V128,
  importedMemoryModule,
  unsignedLeb as leb,
} from '../coverage/kernels/wasm-writer';

const op = (f: FunctionBody, opcode: number, ...immediates: number[]) =>
  f.code.push(0xfd, ...leb(opcode), ...immediates);
const [ABS, ADD, SUB, MUL, DIV, MAX, NEAREST] = [0xe0, 0xe4, 0xe5, 0xe6, 0xe7, 0xe9, 0x6a];
const [I32X4_ADD, I32X4_SHL, TRUNC_SAT] = [0xae, 0xab, 0xf8];
const constant = (f: FunctionBody, value: number) => {
  const lanes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  op(f, 0x0c, ...lanes);
};
const i32Const4 = (f: FunctionBody, value: number) => {
  const lanes = new Uint8Array(new Int32Array([value, value, value, value]).buffer);
  op(f, 0x0c, ...lanes);
};

/** Taylor coefficients 1/j! for exp(r), j = 7 … 0 (Horner order). */
export const EXP = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];
/** 1/(2j + 1) for atanh(s)/s = Σ w^j/(2j + 1), w = s², j = 8 … 0 (Horner order). */
export const ATANH = [1 / 17, 1 / 15, 1 / 13, 1 / 11, 1 / 9, 1 / 7, 1 / 5, 1 / 3, 1];
export const LN2_HI = 0.693145751953125;
export const LN2_LO = 1.428606765330187e-6;

/** Vectors of logits per step of the main loop: their polynomials' chains interleave. */
export const UNROLL = 4;

/**
 * The terms of `count` vectors of logits at lp, lp + 16, … (images at xp, …), interleaved stage by
 * stage so that their long chains of dependent operations overlap, then added onto `acc` vector by
 * vector, each exactly as one vector at a time did: acc = (((acc + max(l, 0)) + w) + w) − x·l with
 * w = s·Σ w^j/(2j + 1), so the sums do not depend on `count`.
 */
function emitTerms(f: FunctionBody, lp: number, xp: number, acc: number, locals: number[][]): void {
  const each = (stage: (v: number[], offset: number) => void) =>
    locals.forEach((v, u) => stage(v, 16 * u));
  // [l, a, t, n, p, s, w, mx, xl]
  each(([l], o) => f.get(lp).v128Load(o).set(l));
  // a = −|l|, clamped at −87 (exp underflows to 0 in float32 below −87.3 anyway)
  each(([l, a]) => {
    f.get(l);
    op(f, ABS);
    f.set(a);
    constant(f, 0);
    f.get(a);
    op(f, SUB);
    constant(f, -87);
    op(f, MAX);
    f.set(a);
  });
  // n = nearest(a·log2 e); t = a − n·ln2 (two parts)
  each(([, a, , n]) => {
    f.get(a);
    constant(f, Math.LOG2E);
    op(f, MUL);
    op(f, NEAREST);
    f.set(n);
  });
  each(([, a, t, n]) => {
    f.get(a).get(n);
    constant(f, LN2_HI);
    op(f, MUL);
    op(f, SUB);
    f.get(n);
    constant(f, LN2_LO);
    op(f, MUL);
    op(f, SUB);
    f.set(t);
  });
  // p = exp(t) by Horner
  each(([, , , , p]) => {
    constant(f, EXP[0]!);
    f.set(p);
  });
  for (const coefficient of EXP.slice(1))
    each(([, , t, , p]) => {
      f.get(p).get(t);
      op(f, MUL);
      constant(f, coefficient);
      op(f, ADD);
      f.set(p);
    });
  // e = p·2ⁿ with 2ⁿ = bits((n + 127) << 23)
  each(([, , , n, p]) => {
    f.get(p).get(n);
    op(f, TRUNC_SAT);
    i32Const4(f, 127);
    op(f, I32X4_ADD);
    f.i32(23);
    op(f, I32X4_SHL);
    op(f, MUL);
    f.set(p);
  });
  // s = e/(2 + e), w = s²; log1p(e) = 2s·Σ w^j/(2j + 1)
  each(([, , , , p, s, w]) => {
    f.get(p);
    constant(f, 2);
    f.get(p);
    op(f, ADD);
    op(f, DIV);
    f.set(s);
    f.get(s).get(s);
    op(f, MUL);
    f.set(w);
  });
  // (the series in t, free by now)
  each(([, , t]) => {
    constant(f, ATANH[0]!);
    f.set(t);
  });
  for (const coefficient of ATANH.slice(1))
    each(([, , t, , , , w]) => {
      f.get(t).get(w);
      op(f, MUL);
      constant(f, coefficient);
      op(f, ADD);
      f.set(t);
    });
  // w = s·series, added twice below (2·atanh(s)); max(l, 0) and x·l
  each(([l, , t, , , s, w, mx, xl], o) => {
    f.get(t).get(s);
    op(f, MUL);
    f.set(w);
    f.get(l);
    constant(f, 0);
    op(f, MAX);
    f.set(mx);
    f.get(xp).v128Load(o).get(l);
    op(f, MUL);
    f.set(xl);
  });
  // acc += max(l, 0) + 2·(s·series) − x·l, vector after vector
  each(([, , , , , , w, mx, xl]) => {
    f.get(acc).get(mx);
    op(f, ADD);
    f.get(w);
    op(f, ADD);
    f.get(w);
    op(f, ADD);
    f.get(xl);
    op(f, SUB);
    f.set(acc);
  });
}

/** rows(logits, x, rows, d, k, out): the kernel; d a multiple of 4; addresses in bytes. */
function emitRows(f: FunctionBody): void {
  const [logits, x, rows, d, k, out] = [0, 1, 2, 3, 4, 5];
  const [r, inItem, lp, xp, xrow, end, rowBytes] = Array.from({ length: 7 }, () => f.local(I32));
  const acc = f.local(V128);
  const locals = Array.from({ length: UNROLL }, () =>
    Array.from({ length: 9 }, () => f.local(V128)),
  );
  f.get(d).i32(4).i32Mul().set(rowBytes);
  f.get(logits).set(lp);
  f.get(x).set(xrow);
  f.i32(0).set(inItem);
  f.forRange(
    r,
    () => f.i32(0),
    rows,
    1,
    () => {
      f.v128Zero().set(acc);
      f.get(xrow).set(xp);
      f.get(lp).get(rowBytes).i32Add().set(end);
      // UNROLL vectors at a time while there are as many, then one at a time (addresses compared
      // unsigned: above 2 GiB they are negative as signed i32s)
      for (const count of [UNROLL, 1])
        f.block(() =>
          f.loop(() => {
            f.get(lp)
              .i32(16 * count)
              .i32Add()
              .get(end);
            f.code.push(0x4b); // i32.gt_u
            f.brIf(1);
            emitTerms(f, lp, xp, acc, locals.slice(0, count));
            f.get(lp)
              .i32(16 * count)
              .i32Add()
              .set(lp);
            f.get(xp)
              .i32(16 * count)
              .i32Add()
              .set(xp);
            f.br(0);
          }),
        );
      // out[r] = the four lanes' sum
      f.get(out).get(r).i32(4).i32Mul().i32Add();
      f.get(acc);
      op(f, 0x1f, 0);
      f.get(acc);
      op(f, 0x1f, 1);
      f.code.push(0x92);
      f.get(acc);
      op(f, 0x1f, 2);
      f.code.push(0x92);
      f.get(acc);
      op(f, 0x1f, 3);
      f.code.push(0x92);
      f.code.push(0x38, 2, 0); // f32.store
      // next item every k rows
      f.get(inItem).i32(1).i32Add().set(inItem);
      f.block(() => {
        f.get(inItem).get(k).i32LtS().brIf(0);
        f.i32(0).set(inItem);
        f.get(xrow).get(rowBytes).i32Add().set(xrow);
      });
    },
  );
}

/**
 * The module's bytes: imports `env.memory` (declared shared, at most 4 GiB, with `shared`, for the
 * worker threads of gemm-threads.ts); exports `rows`.
 */
export function buildBernoulliModule(shared = false): Uint8Array<ArrayBuffer> {
  const body = new FunctionBody(6);
  emitRows(body);
  return importedMemoryModule([{ name: 'rows', parameters: new Array(6).fill(I32), body }], shared);
}
