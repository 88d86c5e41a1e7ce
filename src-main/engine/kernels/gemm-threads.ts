// The large matrix products of fast-matmul.ts on every core. tfjs-wasm in Node runs on one thread
// and its heap is not shared, so C is cut into chunks of rows and the threads claim them one at a
// time: this thread from the first chunk up, computing in place on the tfjs heap; the workers from
// the last chunk down, in a shared WebAssembly memory into which the rows of A they may reach, all
// of B and the bias are copied first, and from which their rows of C are copied back. Claiming
// chunks rather than taking fixed shares keeps a worker that the OS leaves waiting (the machine is
// shared) from holding up the product: this thread goes on into the chunks it has not started.
// Every thread runs gemm.ts' productPacked on its rows, which sums each C[i, j] exactly as one call
// over all rows does, so the results are bit-identical to one thread's.
//
// The workers (os.availableParallelism() − 1 of them, none on one core; LATENT_ATLAS_THREADS=N
// asks for N threads in all, 1 turns threading off) start lazily at the first product large enough
// to share, from an inline source (so neither the app's bundle nor tsx/vitest needs a worker file),
// and are unref()ed: they never keep a process alive. Until they are ready products run on one
// thread. Each worker waits on its slot of the control block with Atomics.wait; this thread writes
// the job there, wakes it with Atomics.notify, computes chunks and then waits (Atomics.wait is
// allowed on Node's main thread) for each worker's done flag.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { buildGemmModule, packedABytes, packedBBytes, type GemmKernel } from './gemm';

/** A product as gemm.ts' `product` takes it, on the tfjs heap: addresses and strides in bytes. */
export interface ProductCall {
  a: number;
  lda: number;
  ta: boolean;
  b: number;
  ldb: number;
  tb: boolean;
  /** C [m×n], row-major (ldc = 4n). */
  c: number;
  m: number;
  k: number;
  n: number;
  /** The bias' address (n floats), or 0. */
  bias: number;
  act: number;
}

/**
 * Products of fewer multiply-adds (m·k·n) than this stay on one thread: below it the copies in and
 * out and the wake-up cost more than the second thread saves (bench/conv-profile.ts times every
 * product of a conv step both ways).
 */
export const THREAD_THRESHOLD = 1 << 21;
let threshold = THREAD_THRESHOLD;
/** Products that ran on several threads since the process started (tests and benchmarks read it). */
let threadedCount = 0;

/** Sets the size (m·k·n) from which products are shared; tests lower it to exercise small ones. */
export function setThreadThreshold(macs: number = THREAD_THRESHOLD): void {
  threshold = macs;
}

/** How many products have run on several threads so far. */
export function threadedProducts(): number {
  return threadedCount;
}

// The control block: SLOT int32s of shared state, then one slot per worker. CHUNKS holds the next
// chunk this thread would claim (low 16 bits) and one past the last a worker would (high 16 bits).
const SLOT = 32;
const CHUNKS = 0;
const MAX_CHUNKS = 0x7fff;
const [GO, DONE, READY, STATUS, ARGS] = [0, 1, 2, 3, 4];
/** The job's arguments in a worker's slot. */
const ARG_COUNT = 17;
const MAX_WORKERS = 30;
const CONTROL_BYTES = (MAX_WORKERS + 1) * SLOT * 4;
const PAGE = 65536;
/** The shared memory's limit (1 GiB); a product needing more stays on one thread. */
const MAX_PAGES = 16_384;
const ALIGN = 64;

/**
 * The worker: instantiate the shared-memory module, then for each job posted to its slot pack B and
 * compute chunks from the last down while any are left at or above `floor`. Job: a, lda, ta, b,
 * ldb, tb, c, ldc, m, k, n, scratch, bias, act, rows per chunk, floor, r0: rows r0 … m − 1 of A are
 * in the shared memory, row i at a + (i − r0)·lda (or, transposed, a + 4(i − r0) + kk·lda), and row
 * i of C goes to c + (i − r0)·ldc.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, slot } = workerData;
const gemm = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4});
const base = (slot + 1) * ${SLOT};
let seen = Atomics.load(ctl, base + ${GO});
Atomics.store(ctl, base + ${READY}, 1);
/** The last unclaimed chunk at or above floor, now claimed; -1 when there is none. */
function claim(floor) {
  for (;;) {
    const state = Atomics.load(ctl, ${CHUNKS});
    const [front, back] = [state & 0xffff, state >>> 16];
    if (back <= front || back <= floor) return -1;
    const next = front | ((back - 1) << 16);
    if (Atomics.compareExchange(ctl, ${CHUNKS}, state, next) === state) return back - 1;
  }
}
for (;;) {
  Atomics.wait(ctl, base + ${GO}, seen);
  seen = Atomics.load(ctl, base + ${GO});
  const [a, lda, ta, b, ldb, tb, c, ldc, m, k, n, scratch, bias, act, per, floor, r0] = ctl.slice(
    base + ${ARGS},
    base + ${ARGS} + ${ARG_COUNT},
  );
  let status = 1;
  try {
    let chunk = claim(floor);
    if (chunk >= 0) gemm.packAllB(b, ldb, tb, k, n, scratch);
    for (; chunk >= 0; chunk = claim(floor)) {
      const from = chunk * per - r0;
      gemm.productPacked(ta ? a + 4 * from : a + from * lda, lda, ta, scratch, c + from * ldc,
        ldc, Math.min(per, m - r0 - from), k, n, scratch + 4 * k * n, bias, act);
    }
  } catch {
    status = -1;
  }
  Atomics.store(ctl, base + ${STATUS}, status);
  Atomics.store(ctl, base + ${DONE}, seen);
  Atomics.notify(ctl, base + ${DONE});
}
`;

interface Pool {
  memory: WebAssembly.Memory;
  control: Int32Array;
  workers: Worker[];
  alive: boolean[];
  generation: number;
  /** A worker could not be created here (e.g. a host without worker_threads): no more tries. */
  cannotSpawn: boolean;
}

/** undefined: not started; null: could not start (no shared memory, no workers). */
let pool: Pool | null | undefined;
/** Threads in all (this one included) that products may use; from LATENT_ATLAS_THREADS. */
let wanted = defaultThreads();

function defaultThreads(): number {
  const fromEnv = Number.parseInt(process.env.LATENT_ATLAS_THREADS ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, MAX_WORKERS + 1);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : 0;
  return Math.max(1, Math.min(cores || os.cpus().length, MAX_WORKERS + 1));
}

/**
 * How many threads products use: `true` the default (LATENT_ATLAS_THREADS, else one per core),
 * `false` or 1 this thread only, a number that many in all.
 */
export function setGemmThreads(threads: boolean | number): void {
  if (threads === true) wanted = defaultThreads();
  else if (threads === false) wanted = 1;
  else wanted = Math.max(1, Math.min(Math.floor(threads), MAX_WORKERS + 1));
}

/** The threads products may use now (1: threading is off). */
export function gemmThreads(): number {
  return wanted;
}

function startPool(): Pool | null {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const control = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
    return { memory, control, workers: [], alive: [], generation: 0, cannotSpawn: false };
  } catch {
    return null;
  }
}

/** Starts workers until there are `count` (never more than MAX_WORKERS). */
function spawn(p: Pool, count: number): void {
  for (let slot = p.workers.length; slot < Math.min(count, MAX_WORKERS); slot++) {
    if (p.cannotSpawn) return;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { bytes: buildGemmModule(true), memory: p.memory, slot },
      });
    } catch {
      p.cannotSpawn = true;
      return;
    }
    worker.unref();
    p.workers.push(worker);
    p.alive.push(true);
    const dead = () => {
      p.alive[slot] = false;
    };
    worker.on('error', dead);
    worker.on('exit', dead);
  }
}

/** The pool with `wanted − 1` workers started (not necessarily ready), or null. */
function ensurePool(): Pool | null {
  if (wanted <= 1) return null;
  if (pool === undefined) pool = startPool();
  if (pool) spawn(pool, wanted - 1);
  return pool;
}

/** Slots of the workers that are ready for a job, at most `wanted − 1`. */
function readyWorkers(p: Pool): number[] {
  const ready: number[] = [];
  for (let slot = 0; slot < p.workers.length && ready.length < wanted - 1; slot++)
    if (p.alive[slot] && Atomics.load(p.control, (slot + 1) * SLOT + READY) === 1) ready.push(slot);
  return ready;
}

/**
 * Starts the workers and resolves once `wanted − 1` of them are ready (true), or false after
 * `timeoutMs` or where there are none to start. Products do not wait for this (they run on one
 * thread until the workers are ready); tests and benchmarks do.
 */
export async function gemmThreadsReady(timeoutMs = 10_000): Promise<boolean> {
  const p = ensurePool();
  if (!p) return false;
  const until = performance.now() + timeoutMs;
  while (readyWorkers(p).length < Math.min(wanted - 1, MAX_WORKERS)) {
    if (performance.now() > until || p.workers.every((_, i) => !p.alive[i])) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return true;
}

const align = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/**
 * Runs `call` on several threads, this one included: `kernel` is gemm.ts on the tfjs heap `heap`,
 * `scratch` an address there of at least productScratchBytes(m, k, n) bytes (gemm.ts). False, with
 * nothing done, where it does not pay (a small product, threading off, no worker ready yet) or the
 * shared memory cannot hold it: the caller then computes the product itself.
 */
export function runThreaded(
  kernel: GemmKernel,
  heap: WebAssembly.Memory,
  call: ProductCall,
  scratch: number,
): boolean {
  const { m, k, n, ta } = call;
  if (wanted <= 1 || m * k * n < threshold || m < 8) return false;
  const p = ensurePool();
  if (!p) return false;
  const slots = readyWorkers(p);
  if (!slots.length) return false;
  const threads = slots.length + 1;
  const { per, chunks, floor } = chunking(m, threads);
  if (chunks < 2 || chunks > MAX_CHUNKS) return false;
  // Rows r0 … m − 1 are the ones a worker may reach: their A goes into the shared memory. A stored
  // transposed is copied in k runs of m − r0 floats, or whole (r0 = 0) where the runs are short.
  const r0 = ta && floor * per < 256 ? 0 : floor * per;
  const rows = m - r0;

  // The shared memory: control, A's rows, B, bias, C's rows, then each worker's packing scratch.
  const aAt = CONTROL_BYTES;
  const bAt = aAt + align(rows * k * 4);
  const biasAt = bAt + align(k * n * 4);
  const cAt = biasAt + (call.bias ? align(n * 4) : 0);
  const scratchAt = cAt + align(rows * n * 4);
  const workerScratch = align(packedBBytes(k, n) + packedABytes(per, k));
  const end = scratchAt + slots.length * workerScratch;
  const pages = Math.ceil(end / PAGE);
  const have = p.memory.buffer.byteLength / PAGE;
  if (pages > MAX_PAGES) return false;
  if (pages > have) {
    try {
      p.memory.grow(pages - have);
    } catch {
      return false;
    }
  }

  const shared = new Float32Array(p.memory.buffer);
  let source = new Float32Array(heap.buffer);
  const copyIn = (from: number, floats: number, to: number) =>
    shared.set(source.subarray(from / 4, from / 4 + floats), to / 4);
  if (!ta) copyIn(call.a + r0 * call.lda, rows * k, aAt);
  else if (r0 === 0) copyIn(call.a, k * m, aAt);
  else
    for (let kk = 0; kk < k; kk++)
      copyIn(call.a + kk * call.lda + 4 * r0, rows, aAt + kk * rows * 4);
  copyIn(call.b, k * n, bAt);
  if (call.bias) copyIn(call.bias, n, biasAt);

  Atomics.store(p.control, CHUNKS, chunks << 16);
  const generation = (p.generation = (p.generation + 1) | 0);
  slots.forEach((slot, w) => {
    const base = (slot + 1) * SLOT;
    const args = [
      aAt,
      ta ? rows * 4 : call.lda,
      Number(ta),
      bAt,
      call.ldb,
      Number(call.tb),
      cAt,
      n * 4,
      m,
      k,
      n,
      scratchAt + w * workerScratch,
      call.bias ? biasAt : 0,
      call.act,
      per,
      floor,
      r0,
    ];
    for (let i = 0; i < ARG_COUNT; i++) p.control[base + ARGS + i] = args[i];
    Atomics.store(p.control, base + STATUS, 0);
    Atomics.store(p.control, base + GO, generation);
    Atomics.notify(p.control, base + GO);
  });

  // This thread's chunks, from the first up, in place on the heap.
  const packedB = scratch;
  const packedA = scratch + packedBBytes(k, n);
  /** Rows [from, to) of C on this thread. */
  const compute = (from: number, to: number) =>
    kernel.productPacked(
      call.a + (ta ? 4 * from : from * call.lda),
      call.lda,
      Number(ta),
      packedB,
      call.c + from * n * 4,
      n * 4,
      to - from,
      k,
      n,
      packedA,
      call.bias,
      call.act,
    );
  kernel.packAllB(call.b, call.ldb, Number(call.tb), k, n, packedB);
  let mine = 0;
  for (;;) {
    const state = Atomics.load(p.control, CHUNKS);
    const [front, back] = [state & 0xffff, state >>> 16];
    if (front >= back) break;
    const next = (front + 1) | (back << 16);
    if (Atomics.compareExchange(p.control, CHUNKS, state, next) !== state) continue;
    compute(front * per, Math.min(m, (front + 1) * per));
    mine = front + 1;
  }
  let failed = false;
  for (const slot of slots) {
    const base = (slot + 1) * SLOT;
    for (;;) {
      const done = Atomics.load(p.control, base + DONE);
      if (done === generation) break;
      Atomics.wait(p.control, base + DONE, done, 1000);
    }
    if (Atomics.load(p.control, base + STATUS) !== 1) failed = true;
  }
  threadedCount++;
  // The workers' chunks (all after this thread's): copied back or, should a worker have failed (it
  // cannot, short of a bug), computed again here.
  const from = Math.min(m, mine * per);
  if (from < m) {
    if (failed) compute(from, m);
    else {
      source = new Float32Array(heap.buffer);
      const at = (cAt + (from - r0) * n * 4) / 4;
      source.set(shared.subarray(at, at + (m - from) * n), (call.c + from * n * 4) / 4);
    }
  }
  return true;
}

/**
 * Rows per chunk (a multiple of 4), chunks (about eight per thread, so the last one claimed is
 * short) and the first chunk a worker may take: this thread's share of the rows is copied to no
 * worker, except its first half (floor is half this thread's share), so that a worker finishing
 * early can still take some.
 */
function chunking(m: number, threads: number): { per: number; chunks: number; floor: number } {
  const strips = m / 4;
  const per = 4 * Math.ceil(strips / Math.min(strips, 8 * threads));
  const chunks = Math.ceil(m / per);
  return { per, chunks, floor: Math.floor(chunks / (2 * threads)) };
}
