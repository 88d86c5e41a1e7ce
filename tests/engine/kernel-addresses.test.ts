import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src-main/shared/random';
import { instantiateGemm, productScratchBytes } from '../../src-main/engine/kernels/gemm';
import { buildBernoulliModule } from '../../src-main/engine/kernels/bernoulli-module';
import { instantiatePatches } from '../../src-main/engine/kernels/patches';
import type { PatchGeometry } from '../../src-main/engine/nets/im2col';

// tfjs-wasm's heap grows past 2 GiB in a long evaluation (a 10k-item IWAE did), and there an
// address is negative as a signed i32: a loop that compares addresses signed stops at once. Each
// kernel here runs on data that straddles 2 GiB and must give what it gives low in memory.
const HIGH = 2 ** 31;
const memory = new WebAssembly.Memory({ initial: HIGH / 65536 + 128 });
const f32 = new Float32Array(memory.buffer);
const u32 = new Uint32Array(memory.buffer);

/** Fills `floats` floats at byte address `at` with seeded values in [−scale, scale). */
function fill(at: number, floats: number, seed: number, scale = 1): void {
  const rng = mulberry32(seed);
  for (let i = 0; i < floats; i++) f32[at / 4 + i] = scale * (2 * rng() - 1);
}
const bits = (at: number, floats: number) => Array.from(u32.subarray(at / 4, at / 4 + floats));

/**
 * Runs `run(base)` with its data (`bytes` of it) laid out from `base`: low in memory, then with 2 GiB
 * at several points inside it (so that every region, and a row or run within it, straddles it once);
 * the outputs as bits, low first.
 */
function lowAndHigh(bytes: number, run: (base: number) => [number, number]): number[][] {
  const outputs = [bits(...run(65536))];
  for (let i = 1; i < 16; i++)
    outputs.push(bits(...run(HIGH - 16 * Math.floor((bytes * i) / 16 / 16) - 4)));
  return outputs;
}

describe('kernels on data across 2 GiB', () => {
  it('the product (with bias and relu)', () => {
    const gemm = instantiateGemm(memory)!;
    const [m, k, n] = [132, 300, 40];
    const bytes = 4 * (m * k + k * n + n + m * n) + productScratchBytes(m, k, n);
    const [low, ...high] = lowAndHigh(bytes, (base) => {
      const [a, b, bias] = [base, base + 4 * m * k, base + 4 * (m * k + k * n)];
      const c = bias + 4 * n;
      fill(a, m * k, 1);
      fill(b, k * n, 2);
      fill(bias, n, 3);
      gemm.product(a, 4 * k, 0, b, 4 * n, 0, c, 4 * n, m, k, n, c + 4 * m * n, bias, 1);
      return [c, m * n];
    });
    for (const output of high) expect(output).toEqual(low);
    expect(low.some((v) => v !== 0)).toBe(true);
  });

  it('the Bernoulli rows', () => {
    const rows = (
      new WebAssembly.Instance(new WebAssembly.Module(buildBernoulliModule()), {
        env: { memory },
      }).exports as { rows: (...args: number[]) => void }
    ).rows;
    const [items, k, d] = [6, 40, 784];
    const bytes = 4 * (items * k * d + items * d + items * k);
    const [low, ...high] = lowAndHigh(bytes, (base) => {
      const [logits, x] = [base, base + 4 * items * k * d];
      const out = x + 4 * items * d;
      fill(logits, items * k * d, 4, 6);
      fill(x, items * d, 5);
      rows(logits, x, items * k, d, k, out);
      return [out, items * k];
    });
    for (const output of high) expect(output).toEqual(low);
    expect(low.every((v) => v !== 0)).toBe(true);
  });

  it('im2col and col2im', () => {
    const patches = instantiatePatches(memory)!;
    const g: PatchGeometry = {
      batch: 8,
      inHeight: 16,
      inWidth: 16,
      inChannels: 8,
      outHeight: 8,
      outWidth: 8,
      kernelHeight: 4,
      kernelWidth: 4,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 1,
      padLeft: 1,
    };
    const image = g.batch * g.inHeight * g.inWidth * g.inChannels;
    const cols = g.batch * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth * g.inChannels;
    for (const direction of ['im2col', 'col2im'] as const) {
      const bytes = 4 * (image + cols);
      const [low, ...high] = lowAndHigh(bytes, (base) => {
        const [x, c] = [base, base + 4 * image];
        fill(x, image, 6);
        fill(c, cols, 7);
        if (direction === 'im2col') patches.im2col(x, c, g);
        else patches.col2im(c, x, g);
        return direction === 'im2col' ? [c, cols] : [x, image];
      });
      for (const output of high) expect(output, direction).toEqual(low);
    }
  });
});
