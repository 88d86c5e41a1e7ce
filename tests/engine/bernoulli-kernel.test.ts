import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src-main/shared/random';
import {
  ATANH,
  EXP,
  LN2_HI,
  LN2_LO,
  UNROLL,
  buildBernoulliModule,
} from '../../src-main/engine/kernels/bernoulli-module';

// The Bernoulli rows kernel (IWAE) against its own arithmetic written out in float32 one lane at a
// time: each row's four lane sums in vector order, lanes added 0 + 1 + 2 + 3. The kernel works
// UNROLL vectors at a step (their polynomials interleaved) and the rest one at a time; neither
// may change a bit of what one vector at a time gave.
const f = Math.fround;
const F = (values: number[]) => values.map(f);

function term(l: number, x: number): [number, number, number] {
  let a = f(0 - Math.abs(l));
  a = Math.max(a, -87);
  const n = roundHalfEven(f(a * f(Math.LOG2E)));
  const t = f(f(a - f(n * f(LN2_HI))) - f(n * f(LN2_LO)));
  let p = F(EXP)[0];
  for (const c of F(EXP).slice(1)) p = f(f(p * t) + c);
  p = f(p * 2 ** n);
  const s = f(p / f(2 + p));
  const w2 = f(s * s);
  let q = F(ATANH)[0];
  for (const c of F(ATANH).slice(1)) q = f(f(q * w2) + c);
  return [Math.max(l, 0), f(q * s), f(x * l)];
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function reference(logits: Float32Array, x: Float32Array, rows: number, d: number, k: number) {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const lanes = [0, 0, 0, 0];
    for (let j = 0; j < d; j++) {
      const [mx, w, xl] = term(logits[r * d + j], x[Math.floor(r / k) * d + j]);
      const lane = j % 4;
      lanes[lane] = f(f(f(f(lanes[lane] + mx) + w) + w) - xl);
    }
    out[r] = f(f(f(lanes[0] + lanes[1]) + lanes[2]) + lanes[3]);
  }
  return out;
}

describe('the Bernoulli rows kernel', () => {
  it('gives its float32 arithmetic bit for bit, whole steps of UNROLL vectors and the rest', () => {
    const memory = new WebAssembly.Memory({ initial: 64 });
    const rows = (
      new WebAssembly.Instance(new WebAssembly.Module(buildBernoulliModule()), {
        env: { memory },
      }).exports as { rows: (...args: number[]) => void }
    ).rows;
    const f32 = new Float32Array(memory.buffer);
    // d/4 vectors a row: under one step, exactly whole steps, and whole steps with a rest
    for (const d of [4, 4 * UNROLL, 4 * (3 * UNROLL + 1), 4 * (5 * UNROLL - 1), 784]) {
      const [items, k] = [3, 5];
      const n = items * k;
      const rng = mulberry32(d);
      const logits = Float32Array.from({ length: n * d }, (_, i) =>
        i % 53 === 0 ? 300 * (rng() - 0.5) : 24 * (rng() - 0.5),
      );
      const x = Float32Array.from({ length: items * d }, () => (rng() < 0.4 ? 0 : rng()));
      const [L, X] = [0, 4 * n * d];
      const O = X + 4 * items * d;
      f32.set(logits, L / 4);
      f32.set(x, X / 4);
      rows(L, X, n, d, k, O);
      const got = f32.slice(O / 4, O / 4 + n);
      const want = reference(logits, x, n, d, k);
      expect(new Uint32Array(got.buffer), `d = ${d}`).toEqual(new Uint32Array(want.buffer));
    }
  });
});
