import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import { mulberry32 } from '../../src-main/shared/random';
import { Vae } from '../../src-main/engine/model/model';
import { setPatchConvolutions } from '../../src-main/engine/nets/forward';
import {
  ACTIVATIONS,
  KC,
  MC,
  instantiateGemm,
  productScratchBytes,
} from '../../src-main/engine/kernels/gemm';
import { fastProduct, setFastMatMul } from '../../src-main/engine/kernels/fast-matmul';
import { bernoulliNllRows } from '../../src-main/engine/kernels/bernoulli';
import { relaxedSimd } from '../../src-main/engine/kernels/relaxed-simd';
import {
  THREAD_THRESHOLD,
  gemmThreadsReady,
  setGemmThreads,
  setAdaptiveThreads,
  setThreadThreshold,
  setWorkerStall,
  threadedProducts,
} from '../../src-main/engine/kernels/gemm-threads';
import { bits, random } from './tensors';

// Threaded products (kernels/gemm-threads.ts) against one thread, bit for bit; gemm.ts' product
// against a plain float32 loop; the fused product against tfjs-wasm's own; a conv VAE's training
// losses with and without threads; and processes that end on their own after threaded products.

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  // Two threads in all, even on one core (and on a machine busy with other work), so the threaded
  // path is what these tests exercise.
  setGemmThreads(2);
  setAdaptiveThreads(false);
  expect(await gemmThreadsReady()).toBe(true);
});
afterEach(() => {
  setWorkerStall(0);
  setGemmThreads(2);
  setThreadThreshold();
  setFastMatMul(true);
});

const fma = relaxedSimd();

describe("gemm.ts' product", () => {
  it('sums each element as a plain float32 loop does, bias first, then the activation', () => {
    const memory = new WebAssembly.Memory({ initial: 160 });
    const gemm = instantiateGemm(memory);
    expect(gemm).not.toBeNull();
    const f32 = new Float32Array(memory.buffer);
    const shapes: [number, number, number][] = [
      [4, 1, 8],
      [12, 37, 16],
      [MC + 4, KC + 1, 24],
      [2 * MC + 12, 2 * KC + 3, 40],
    ];
    for (const [m, k, n] of shapes)
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ])
        for (const withBias of [false, true])
          for (const act of Object.values(ACTIVATIONS)) {
            const [A, B] = [64, 64 + 4 * m * k];
            const [C, BIAS] = [B + 4 * k * n, B + 4 * k * n + 4 * m * n];
            const S = BIAS + 4 * n;
            expect(S + productScratchBytes(m, k, n)).toBeLessThan(memory.buffer.byteLength);
            const rng = mulberry32(m * k + n);
            for (let i = 0; i < m * k; i++) f32[A / 4 + i] = 4 * rng() - 2;
            for (let i = 0; i < k * n; i++) f32[B / 4 + i] = 2 * rng() - 1;
            for (let i = 0; i < n; i++) f32[BIAS / 4 + i] = rng() - 0.5;
            gemm!.product(
              ...[A, (ta ? m : k) * 4, +ta, B, (tb ? k : n) * 4, +tb, C, n * 4, m, k, n, S],
              withBias ? BIAS : 0,
              act,
            );
            const expected = new Float32Array(m * n);
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                let sum = withBias ? f32[BIAS / 4 + j] : 0;
                for (let q = 0; q < k; q++) {
                  const a = f32[A / 4 + (ta ? q * m + i : i * k + q)];
                  const b = f32[B / 4 + (tb ? j * k + q : q * n + j)];
                  // With relaxed SIMD the kernel fuses each multiply-add (one rounding).
                  sum = Math.fround(sum + (fma ? a * b : Math.fround(a * b)));
                }
                if (act !== ACTIVATIONS.linear) sum = 0 < sum ? sum : 0;
                if (act === ACTIVATIONS.relu6) sum = sum < 6 ? sum : 6;
                expected[i * n + j] = sum;
              }
            const got = f32.slice(C / 4, C / 4 + m * n);
            expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(expected.buffer));
          }
  });
});

describe('threaded products', () => {
  /** op(a)·op(b) with `threads` threads (once they are all free), and whether it ran threaded. */
  async function product(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean, threads: number) {
    setGemmThreads(threads);
    if (threads > 1) expect(await gemmThreadsReady()).toBe(true);
    const before = threadedProducts();
    const c = tf.matMul(a, b, ta, tb);
    const threaded = threadedProducts() > before;
    setGemmThreads(2);
    return { values: bits(c), threaded };
  }

  it('equal one thread bit for bit, transposed operands and odd block sizes included', async () => {
    const shapes: [number, number, number][] = [
      [8, 5, 8],
      [12, 37, 16],
      [68, 300, 40],
      [4 * MC + 4, KC + 7, 24],
      [1028, 520, 72],
      [40, 2 * KC + 1, 16],
    ];
    setThreadThreshold(0);
    for (const [m, k, n] of shapes)
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const a = random(ta ? [k, m] : [m, k], m + k);
        const b = random(tb ? [n, k] : [k, n], k + n);
        expect(fastProduct(a.shape, b.shape, ta, tb)).not.toBeNull();
        const one = await product(a, b, ta, tb, 1);
        expect(one.threaded).toBe(false);
        for (const threads of [2, 3]) {
          const many = await product(a, b, ta, tb, threads);
          expect(many.threaded, `${m}×${k}×${n} ${ta} ${tb} on ${threads}`).toBe(true);
          expect(many.values).toEqual(one.values);
        }
        tf.dispose([a, b]);
      }
  });

  it('start at the threshold: just below it one thread, just above it several, same values', async () => {
    // m·k·n = THREAD_THRESHOLD ± one row of 4: k = 256, n = 64, m = threshold / (k·n) ± 4.
    const [k, n] = [256, 64];
    const m0 = THREAD_THRESHOLD / (k * n);
    for (const [m, shared] of [
      [m0 - 4, false],
      [m0, true],
      [m0 + 4, true],
    ] as const) {
      const a = random([m, k], m);
      const b = random([k, n], 7);
      const one = await product(a, b, false, false, 1);
      const many = await product(a, b, false, false, 2);
      expect(many.threaded).toBe(shared);
      expect(many.values).toEqual(one.values);
      tf.dispose([a, b]);
    }
  });

  it('equal one thread when a worker stalls: this thread does its chunk, the next product goes on without it', async () => {
    setThreadThreshold(0);
    const [m, k, n] = [1024, 300, 64];
    const a = random([m, k], 1);
    const b = random([k, n], 2);
    const one = await product(a, b, false, false, 1);
    setGemmThreads(3);
    expect(await gemmThreadsReady()).toBe(true);
    // The first worker sleeps 300 ms before each chunk it takes: this thread and the second worker
    // finish the product, this thread redoing the stalled chunk; the stalled worker still holds its
    // arena, so the next products run without it (on another arena) until it is done.
    setWorkerStall(300);
    const before = threadedProducts();
    const stalled = bits(tf.matMul(a, b));
    setWorkerStall(0);
    const next = [bits(tf.matMul(a, b)), bits(tf.matMul(a, b))];
    expect(threadedProducts() - before).toBe(3);
    expect(stalled).toEqual(one.values);
    for (const values of next) expect(values).toEqual(one.values);
    // Once it wakes it finishes its stale chunk without touching anyone's product, then takes jobs.
    expect(await gemmThreadsReady()).toBe(true);
    expect(bits(tf.matMul(a, b))).toEqual(one.values);
    tf.dispose([a, b]);
  });

  it("the fused product (bias, relu) equals tfjs-wasm's own, threaded or not", async () => {
    setThreadThreshold(0);
    for (const [m, k, n] of [
      [1024, 512, 784],
      [64, 8, 256],
      [132, 300, 40],
    ])
      for (const activation of ['linear', 'relu', 'relu6'] as const) {
        const a = random([m, k], m);
        const b = random([k, n], n);
        const bias = random([n], 3);
        const run = () => bits(tf.fused.matMul({ a, b, bias, activation }));
        setFastMatMul(false);
        const stock = run();
        setFastMatMul(true);
        setGemmThreads(1);
        const one = run();
        setGemmThreads(2);
        expect(await gemmThreadsReady()).toBe(true);
        const before = threadedProducts();
        const many = run();
        expect(threadedProducts()).toBeGreaterThan(before);
        expect(many).toEqual(one);
        if (!fma) expect(one).toEqual(stock);
        else {
          // Fused multiply-adds round once per term: within float32 rounding of XNNPACK's sums.
          const [x, y] = [
            new Float32Array(new Uint32Array(one).buffer),
            new Float32Array(new Uint32Array(stock).buffer),
          ];
          let worst = 0;
          for (let i = 0; i < x.length; i++)
            worst = Math.max(worst, Math.abs(x[i] - y[i]) / (Math.abs(y[i]) + 1));
          expect(worst).toBeLessThan(1e-5);
        }
        tf.dispose([a, b, bias]);
      }
  });
});

describe('threaded Bernoulli rows (IWAE)', () => {
  it('equal one thread bit for bit', async () => {
    for (const [items, k, d] of [
      [20, 50, 784],
      [7, 100, 784],
      [3, 64, 3072],
    ]) {
      const logits = tf.mul(random([items * k, d], items), 8) as tf.Tensor2D;
      const x = tf.tidy(() => tf.step(random([items, d], k))) as tf.Tensor2D;
      setGemmThreads(1);
      const one = bits(bernoulliNllRows(logits, x, k)!);
      setGemmThreads(2);
      expect(await gemmThreadsReady()).toBe(true);
      const before = threadedProducts();
      const many = bits(bernoulliNllRows(logits, x, k)!);
      expect(threadedProducts() - before, `${items}×${k}×${d}`).toBe(1);
      expect(many).toEqual(one);
      tf.dispose([logits, x]);
    }
  });
});

describe('conv VAE training with threads', () => {
  function losses(threads: number): number[] {
    setGemmThreads(threads);
    setThreadThreshold(0);
    setPatchConvolutions(true);
    const [h, c, batch] = [28, 1, 12];
    const vae = Vae.create(
      {
        inputShape: [h, h, c],
        latent: { kind: 'gaussian', dim: 4 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'conv', channels: [8, 16], convDense: 32 },
        likelihood: 'bernoulli',
      },
      3,
    );
    const vars = vae.trainableVariables();
    const optimizer = tf.train.adam(1e-2);
    const rng = mulberry32(11);
    const x = tf.tensor2d(
      Float32Array.from({ length: batch * h * h * c }, () => rng()),
      [batch, h * h * c],
    );
    const out: number[] = [];
    for (let s = 0; s < 6; s++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => vae.lossTerms(x, s, 100 + s).loss, vars);
        out.push(value.dataSync()[0]);
        optimizer.applyGradients(grads as never);
      });
    }
    vae.dispose();
    optimizer.dispose();
    x.dispose();
    return out;
  }

  it('gives the same losses, step by step, on one thread and on several', () => {
    const one = losses(1);
    const before = threadedProducts();
    const many = losses(2);
    expect(threadedProducts() - before).toBeGreaterThan(10);
    expect(many).toEqual(one);
    // As products choose between one thread and several by their times (the default), too.
    setAdaptiveThreads(true);
    try {
      expect(losses(2)).toEqual(one);
    } finally {
      setAdaptiveThreads(false);
    }
  });
});

describe('processes with threaded products', () => {
  const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
  const run = (args: string[], env: Record<string, string> = {}) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, [tsx, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    return { ...r, seconds: (performance.now() - started) / 1000 };
  };

  it('end on their own once their work is done (no worker keeps them alive)', () => {
    const from = (file: string) => JSON.stringify(path.resolve(file));
    const script = [
      `import { initBackend } from ${from('src-main/engine/backend.ts')};`,
      `import { tf } from ${from('src-main/engine/tf.ts')};`,
      `import * as threads from ${from('src-main/engine/kernels/gemm-threads.ts')};`,
      "await initBackend({ prefer: 'wasm' });",
      'threads.setAdaptiveThreads(false);',
      'await threads.gemmThreadsReady();',
      'const a = tf.randomUniform([1024, 512]);',
      'const b = tf.randomUniform([512, 256]);',
      'tf.matMul(a, b).dataSync();',
      'console.log(`threaded ${threads.threadedProducts()}`);',
    ].join('\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemm-threads-'));
    const file = path.join(dir, 'exit.mts');
    fs.writeFileSync(file, script);
    try {
      const r = run([file], { LATENT_ATLAS_THREADS: '2' });
      expect(r.error).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('threaded 1');
      expect(r.seconds).toBeLessThan(60);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('latent-atlas eval returns after an IWAE estimate on several threads', () => {
    const r = run(
      [
        'src-main/cli/main.ts',
        'eval',
        'resources/demo/mnist-gaussian-8',
        '--iw',
        '20',
        '--limit',
        '500',
        '--json',
      ],
      { LATENT_ATLAS_THREADS: '2' },
    );
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).log_likelihood).toBeLessThan(0);
    expect(r.seconds).toBeLessThan(100);
  });
});
