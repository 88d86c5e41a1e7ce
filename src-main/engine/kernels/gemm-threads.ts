// The large matrix products of fast-matmul.ts on every core. tfjs-wasm in Node runs on one thread
// and its heap is not shared, so C is cut into chunks of rows that the threads claim one at a time:
// this thread from the first chunk up, computing in place on the tfjs heap; the workers from the
// last chunk down, in a shared WebAssembly memory. B and the bias are copied there before the
// workers start, the rows of A chunk by chunk from the last (a worker waits for its chunk's rows);
// this thread copies each worker's rows of C back as soon as they are done, between its own chunks.
// Claiming chunks rather than taking fixed shares keeps a worker that the OS leaves waiting (the
// machine is shared) from holding up the product: this thread goes on into the chunks it has not
// started, and after about one chunk's time redoes a chunk a worker still holds rather than wait
// (the product's arena stays that worker's until it is done; the next product takes another).
// Every thread runs gemm.ts' productPacked on its rows, which sums each C[i, j] exactly as one call
// over all rows does, so the results are bit-identical to one thread's.
//
// The workers (os.availableParallelism() − 1 of them, none on one core; LATENT_ATLAS_THREADS=N
// asks for N threads in all, 1 turns threading off) start lazily at the first product large enough
// to share, from an inline source (so neither the app's bundle nor tsx/vitest needs a worker file),
// and are unref()ed: they never keep a process alive. Until they are ready products run on one
// thread. Each worker waits on its slot with Atomics.wait; this thread writes the job there, wakes
// it with Atomics.notify, computes chunks and then waits (Atomics.wait is allowed on Node's main
// thread) for the workers' done flags. Each product shape runs on one thread or on several,
// whichever its measured times say is faster (multiply): on a machine busy with other work, a
// worker may only share this thread's core.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { MC, buildGemmModule, packedABytes, packedBBytes, type GemmKernel } from './gemm';

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

// Whether threads pay, shape by shape: on a machine busy with other work a worker may get no more
// than a share of this thread's core, and then the copies are all that threading adds. So each
// product's shape (training and IWAE repeat theirs) is timed both ways on two calls in a row (one
// thread, then several: close in time, so under the same load) every EXPLORE-th call, and the
// moving average of the ratio decides the calls in between (several threads while it is under
// 0.95). The first pair (first-touch costs) is replaced by the second.
const EXPLORE = 16;
interface Timing {
  calls: number;
  /** Moving average of (time on several threads) / (time on one); NaN until measured. */
  ratio: number;
  pairs: number;
  /** The time on one thread of the pair under way. */
  one: number;
}
const timings = new Map<string, Timing>();
let adaptive = true;

/**
 * Whether products choose between one thread and several by their measured times (the default);
 * off, every product large enough is shared (tests that need the threaded path turn it off).
 */
export function setAdaptiveThreads(on: boolean): void {
  adaptive = on;
  timings.clear();
}

/** Milliseconds the first worker sleeps before each chunk: tests stand in a busy machine with it. */
let stall = 0;
export function setWorkerStall(ms = 0): void {
  stall = ms;
}

/** How many products have run on several threads so far. */
export function threadedProducts(): number {
  return threadedCount;
}

// Workers' slots (int32s in a SharedArrayBuffer), SLOT per worker: its job number (GO), the last job
// it finished (DONE), whether it is ready for jobs (READY), the arena it runs in (ARENA) and the
// job's arguments (ARGS).
const SLOT = 32;
const [GO, DONE, READY, ARENA, ARGS] = [0, 1, 2, 3, 4];
/** The job's arguments in a worker's slot. */
const ARG_COUNT = 18;
const MAX_WORKERS = 30;
// A job runs in an arena, a shared WebAssembly memory of its own that starts with its control block
// (int32s): CHUNKS holds the next chunk this thread would claim (low 16 bits) and one past the last
// a worker would (high 16 bits); A's rows are in for chunks COPIED and up (WAITING: how many workers
// wait for more); FLAGS + c is the job number once a worker has finished chunk c. A worker that the
// OS left waiting so long that this thread did its chunk itself may still be writing to its arena,
// so the next product takes another one.
const ARENAS = 3;
const [CHUNKS, COPIED, WAITING] = [0, 1, 2];
const FLAGS = 16;
const MAX_CHUNKS = 256;
const CONTROL_BYTES = 4096;
const PAGE = 65536;
/** An arena's limit (1 GiB); a product needing more stays on one thread. */
const MAX_PAGES = 16_384;
const ALIGN = 64;

/**
 * The worker: instantiate the shared-memory module on every arena, then for each job posted to its
 * slot pack B and compute chunks from the last down while any are left at or above `floor`. Job: a,
 * lda, ta, b, ldb, tb, c, ldc, m, k, n, scratch, bias, act, rows per chunk, floor, r0, stall: rows r0 … m − 1
 * of A are (or will be: COPIED) in the arena, row i at a + (i − r0)·lda (or, transposed,
 * a + 4(i − r0) + kk·lda), and row i of C goes to c + (i − r0)·ldc; the first worker sleeps
 * `stall` ms before each chunk (setWorkerStall; 0 but in tests).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, arenas, slotBuffer, slot } = workerData;
const module = new WebAssembly.Module(bytes);
const kernels = arenas.map((memory) => new WebAssembly.Instance(module, { env: { memory } }).exports);
const controls = arenas.map((memory) => new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4}));
const slots = new Int32Array(slotBuffer);
const base = slot * ${SLOT};
// Warm-up on a memory of its own: V8 runs new WebAssembly code in its baseline compiler and
// optimises it once it has run a while; a few small products get that done before the first job.
{
  const own = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
  const warm = new WebAssembly.Instance(module, { env: { memory: own } }).exports;
  for (let i = 0; i < 4; i++)
    for (const [ta, tb] of [[0, 0], [1, 1]])
      warm.product(0, 256, ta, 16384, 256, tb, 32768, 256, 64, 64, 64, 49152, 98304, 1);
}
let seen = Atomics.load(slots, base + ${GO});
Atomics.store(slots, base + ${READY}, 1);
/** The last unclaimed chunk at or above floor, now claimed; -1 when there is none. */
function claim(ctl, floor) {
  for (;;) {
    const state = Atomics.load(ctl, ${CHUNKS});
    const [front, back] = [state & 0xffff, state >>> 16];
    if (back <= front || back <= floor) return -1;
    const next = front | ((back - 1) << 16);
    if (Atomics.compareExchange(ctl, ${CHUNKS}, state, next) === state) return back - 1;
  }
}
for (;;) {
  Atomics.wait(slots, base + ${GO}, seen);
  seen = Atomics.load(slots, base + ${GO});
  const arena = slots[base + ${ARENA}];
  const [gemm, ctl] = [kernels[arena], controls[arena]];
  const [a, lda, ta, b, ldb, tb, c, ldc, m, k, n, scratch, bias, act, per, floor, r0, stall] = slots.slice(
    base + ${ARGS},
    base + ${ARGS} + ${ARG_COUNT},
  );
  try {
    let chunk = claim(ctl, floor);
    if (chunk >= 0) gemm.packAllB(b, ldb, tb, k, n, scratch);
    for (; chunk >= 0; chunk = claim(ctl, floor)) {
      for (let copied; (copied = Atomics.load(ctl, ${COPIED})) > chunk; ) {
        Atomics.add(ctl, ${WAITING}, 1);
        Atomics.wait(ctl, ${COPIED}, copied);
        Atomics.sub(ctl, ${WAITING}, 1);
      }
      if (stall && slot === 0) Atomics.wait(slots, base + ${SLOT} - 1, 0, stall);
      const from = chunk * per - r0;
      gemm.productPacked(ta ? a + 4 * from : a + from * lda, lda, ta, scratch, c + from * ldc,
        ldc, Math.min(per, m - r0 - from), k, n, scratch + 4 * k * n, bias, act);
      Atomics.store(ctl, ${FLAGS} + chunk, seen);
    }
  } catch {
    // (the chunk it failed on is left unflagged: the main thread computes it)
  }
  Atomics.store(slots, base + ${DONE}, seen);
  Atomics.notify(slots, base + ${DONE});
}
`;

interface Arena {
  memory: WebAssembly.Memory;
  control: Int32Array;
}

interface Pool {
  slots: Int32Array;
  arenas: Arena[];
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
    const arenas = Array.from({ length: ARENAS }, () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
      return { memory, control: new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4) };
    });
    const slots = new Int32Array(new SharedArrayBuffer(MAX_WORKERS * SLOT * 4));
    return { slots, arenas, workers: [], alive: [], generation: 0, cannotSpawn: false };
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
        workerData: {
          bytes: buildGemmModule(true),
          arenas: p.arenas.map((a) => a.memory),
          slotBuffer: p.slots.buffer,
          slot,
        },
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

const isReady = (p: Pool, slot: number) =>
  p.alive[slot] && Atomics.load(p.slots, slot * SLOT + READY) === 1;
/** Still on an earlier job (one this thread finished without waiting for it). */
const isBusy = (p: Pool, slot: number) =>
  Atomics.load(p.slots, slot * SLOT + DONE) !== Atomics.load(p.slots, slot * SLOT + GO);

/** Slots of the workers that are ready for a job and idle, at most `wanted − 1`. */
function readyWorkers(p: Pool): number[] {
  const ready: number[] = [];
  for (let slot = 0; slot < p.workers.length && ready.length < wanted - 1; slot++)
    if (isReady(p, slot) && !isBusy(p, slot)) ready.push(slot);
  return ready;
}

/** An arena no busy worker is still using, or -1. */
function freeArena(p: Pool): number {
  const used = new Set<number>();
  for (let slot = 0; slot < p.workers.length; slot++)
    if (p.alive[slot] && isBusy(p, slot)) used.add(p.slots[slot * SLOT + ARENA]);
  for (let arena = 0; arena < p.arenas.length; arena++) if (!used.has(arena)) return arena;
  return -1;
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
  if (!shareable(call)) return false;
  const p = ensurePool();
  if (!p) return false;
  const slots = readyWorkers(p);
  const arenaIndex = slots.length ? freeArena(p) : -1;
  if (arenaIndex < 0) return false;
  const arena = p.arenas[arenaIndex];
  const threads = slots.length + 1;
  const { per, chunks, floor } = chunking(m, threads);
  if (chunks < 2 || chunks > MAX_CHUNKS) return false;
  // Rows r0 … m − 1 are the ones a worker may reach: their A goes into the arena. A stored
  // transposed is copied in k runs of m − r0 floats where they are long, else whole (r0 = 0).
  const r0 = ta && floor * per < 1024 ? 0 : floor * per;
  const rows = m - r0;

  // The arena: control, A's rows, B, bias, C's rows, then each worker's packing scratch.
  const aAt = CONTROL_BYTES;
  const bAt = aAt + align(rows * k * 4);
  const biasAt = bAt + align(k * n * 4);
  const cAt = biasAt + (call.bias ? align(n * 4) : 0);
  const scratchAt = cAt + align(rows * n * 4);
  const workerScratch = align(packedBBytes(k, n) + packedABytes(per, k));
  const end = scratchAt + slots.length * workerScratch;
  const pages = Math.ceil(end / PAGE);
  const have = arena.memory.buffer.byteLength / PAGE;
  if (pages > MAX_PAGES) return false;
  if (pages > have) {
    try {
      arena.memory.grow(pages - have);
    } catch {
      return false;
    }
  }

  const shared = new Float32Array(arena.memory.buffer);
  const source = new Float32Array(heap.buffer);
  const copyIn = (from: number, floats: number, to: number) =>
    shared.set(source.subarray(from / 4, from / 4 + floats), to / 4);
  copyIn(call.b, k * n, bAt);
  if (call.bias) copyIn(call.bias, n, biasAt);
  const control = arena.control;
  Atomics.store(control, CHUNKS, chunks << 16);
  Atomics.store(control, COPIED, chunks);
  const generation = (p.generation = (p.generation + 1) | 0);
  slots.forEach((slot, w) => {
    const base = slot * SLOT;
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
      stall,
    ];
    for (let i = 0; i < ARG_COUNT; i++) p.slots[base + ARGS + i] = args[i];
    p.slots[base + ARENA] = arenaIndex;
    Atomics.store(p.slots, base + GO, generation);
    Atomics.notify(p.slots, base + GO);
  });
  // A's rows for the workers: chunk by chunk from the last, each released as soon as it is in (a
  // transposed A at once: its rows are columns of what is stored).
  const copied = (chunk: number) => {
    Atomics.store(control, COPIED, chunk);
    // (A wake-up is a system call, and a slow one in a virtual machine: only when it is needed.)
    if (Atomics.load(control, WAITING) > 0) Atomics.notify(control, COPIED);
  };
  if (ta) {
    if (r0 === 0) copyIn(call.a, k * m, aAt);
    else
      for (let kk = 0; kk < k; kk++)
        copyIn(call.a + kk * call.lda + 4 * r0, rows, aAt + kk * rows * 4);
    copied(floor);
  } else
    for (let chunk = chunks - 1; chunk >= floor; chunk--) {
      const from = chunk * per;
      const to = Math.min(m, from + per);
      copyIn(call.a + from * call.lda, (to - from) * k, aAt + (from - r0) * k * 4);
      copied(chunk);
    }

  // This thread's chunks, from the first up, in place on the heap; between them, the rows of C of
  // the chunks workers have finished go back to the heap.
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
  /** 1: this thread computed the chunk; 2: its rows were copied back from the arena. */
  const state = new Uint8Array(chunks);
  let mine = 0;
  const copyBack = () => {
    for (let chunk = chunks - 1; chunk >= mine; chunk--) {
      if (state[chunk] || Atomics.load(control, FLAGS + chunk) !== generation) continue;
      const from = chunk * per;
      const at = (cAt + (from - r0) * n * 4) / 4;
      const floats = (Math.min(m, from + per) - from) * n;
      source.set(shared.subarray(at, at + floats), (call.c + from * n * 4) / 4);
      state[chunk] = 2;
    }
  };
  kernel.packAllB(call.b, call.ldb, Number(call.tb), k, n, packedB);
  const started = performance.now();
  for (;;) {
    const chunkState = Atomics.load(control, CHUNKS);
    const [front, back] = [chunkState & 0xffff, chunkState >>> 16];
    if (front >= back) break;
    const next = (front + 1) | (back << 16);
    if (Atomics.compareExchange(control, CHUNKS, chunkState, next) !== chunkState) continue;
    compute(front * per, Math.min(m, (front + 1) * per));
    state[front] = 1;
    mine = front + 1;
    copyBack();
  }
  // The workers' last chunks: waited for about as long as one of this thread's took (at least the
  // time a worker may take to wake), then done here too if still unfinished (a worker the OS has
  // left waiting), without waiting for it.
  const chunkMs = mine ? (performance.now() - started) / mine : 1;
  const deadline = performance.now() + Math.max(chunkMs, 0.5);
  for (const slot of slots) {
    const base = slot * SLOT;
    for (let done; (done = Atomics.load(p.slots, base + DONE)) !== generation;) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(p.slots, base + DONE, done, left);
    }
  }
  copyBack();
  // Chunks a worker has not finished (or failed on, which it cannot short of a bug): done here.
  for (let chunk = mine; chunk < chunks; chunk++) {
    if (state[chunk]) continue;
    const from = chunk * per;
    compute(from, Math.min(m, from + per));
    state[chunk] = 1;
    copyBack();
  }
  threadedCount++;
  return true;
}

const shareable = ({ m, k, n }: ProductCall) => wanted > 1 && m * k * n >= threshold && m >= 8;

/**
 * C = op(A)·op(B) (+ bias, activation) for `call` on the tfjs heap `heap`: on several threads
 * (runThreaded) or on this one (`kernel.product`), whichever is faster for this shape lately (see
 * EXPLORE), or always on several where the product is large enough and adaptive choice is off.
 * `scratch`: an address on the heap of productScratchBytes(m, k, n) bytes (gemm.ts).
 */
export function multiply(
  kernel: GemmKernel,
  heap: WebAssembly.Memory,
  call: ProductCall,
  scratch: number,
): void {
  const one = () =>
    kernel.product(
      call.a,
      call.lda,
      Number(call.ta),
      call.b,
      call.ldb,
      Number(call.tb),
      call.c,
      call.n * 4,
      call.m,
      call.k,
      call.n,
      scratch,
      call.bias,
      call.act,
    );
  if (!shareable(call)) return one();
  if (!adaptive) {
    if (!runThreaded(kernel, heap, call, scratch)) one();
    return;
  }
  const key = `${call.m} ${call.k} ${call.n} ${+call.ta}${+call.tb} ${call.bias ? 1 : 0}`;
  let timing = timings.get(key);
  if (!timing) {
    if (timings.size >= 4096) timings.clear();
    timings.set(key, (timing = { calls: 0, ratio: NaN, pairs: 0, one: 0 }));
  }
  // Calls 0 and 1, 2 and 3, then every EXPLORE-th and the next: a timed pair.
  const phase = timing.pairs < 2 ? timing.calls % 2 : timing.calls % EXPLORE;
  timing.calls++;
  const started = performance.now();
  if (phase === 0) {
    one();
    timing.one = performance.now() - started;
  } else if (phase === 1) {
    if (!runThreaded(kernel, heap, call, scratch)) return one();
    const ratio = (performance.now() - started) / Math.max(timing.one, 1e-3);
    timing.ratio = timing.pairs < 2 ? ratio : 0.7 * timing.ratio + 0.3 * ratio;
    timing.pairs++;
  } else if (!(timing.ratio < 0.95 && runThreaded(kernel, heap, call, scratch))) one();
}

/**
 * Rows per chunk (a multiple of 4; at least MC where m allows two such chunks), chunks (about
 * eight per thread, so the last one claimed is short) and the first chunk a worker may take: this thread's share of the rows is copied to no
 * worker, except its first half (floor is half this thread's share), so that a worker finishing
 * early can still take some.
 */
function chunking(m: number, threads: number): { per: number; chunks: number; floor: number } {
  const strips = m / 4;
  // At least MC rows a chunk where there are enough (a strip of A packed per call, as on one thread).
  const least = Math.min(MC, 4 * Math.floor(strips / 2));
  const per = Math.max(least, 4 * Math.ceil(strips / Math.min(strips, 8 * threads)));
  const chunks = Math.ceil(m / per);
  return { per, chunks, floor: Math.floor(chunks / (2 * threads)) };
}
