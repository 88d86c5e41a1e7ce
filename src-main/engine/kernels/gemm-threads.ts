// The kernels' large jobs on every core: the matrix products of fast-matmul.ts and the Bernoulli
// rows of bernoulli.ts. tfjs-wasm in Node runs on one thread and its heap is not shared, so a job's
// output is cut into chunks of rows that the threads claim one at a time: this thread from the
// first chunk up, computing in place on the tfjs heap; the workers from the last chunk down, in a
// shared WebAssembly memory (an arena). What every chunk reads (B and the bias of a product, the
// images of the Bernoulli rows) is copied there before the workers start, the rows of the input (A,
// the logits) chunk by chunk from the last (a worker waits for its chunk's rows); this thread copies
// each worker's rows of the output back as soon as they are done, between its own chunks. Claiming
// chunks rather than taking fixed shares keeps a worker that the OS leaves waiting (the machine is
// shared) from holding up the job: this thread goes on into the chunks it has not started, and
// after about one chunk's time redoes a chunk a worker still holds rather than wait (the arena stays
// that worker's until it is done; the next job takes another). Every thread runs the same
// WebAssembly on its rows (gemm.ts' productPacked sums each C[i, j] exactly as one call over all
// rows does; bernoulli.ts' rows are independent), so the results are bit-identical to one thread's.
//
// The workers (os.availableParallelism() − 1 of them, none on one core; LATENT_ATLAS_THREADS=N
// asks for N threads in all, 1 turns threading off) start lazily at the first job large enough to
// share, from an inline source (so neither the app's bundle nor tsx/vitest needs a worker file),
// and are unref()ed: they never keep a process alive. Until they are ready jobs run on one thread.
// Each worker waits on its slot with Atomics.wait; this thread writes the job there, wakes it with
// Atomics.notify, computes chunks and then waits (Atomics.wait is allowed on Node's main thread)
// for the workers' done flags. Each job's shape runs on one thread or on several, whichever its
// measured times say is faster: on a machine busy with other work, a worker may only share this
// thread's core.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { MC, buildGemmModule, packedABytes, packedBBytes, type GemmKernel } from './gemm';
import { buildBernoulliModule } from './bernoulli-module';

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

/** Bernoulli rows as bernoulli.ts' `rows` takes them, on the tfjs heap (addresses in bytes). */
export interface RowsCall {
  /** logits [n×d] */
  logits: number;
  /** images [n/k × d] */
  x: number;
  /** out [n] */
  out: number;
  n: number;
  d: number;
  k: number;
}

/**
 * Products of fewer multiply-adds (m·k·n) than this stay on one thread: below it the copies in and
 * out and the wake-up cost more than the second thread saves (bench/conv-profile.ts times every
 * product of a conv step both ways). Bernoulli rows: ROWS_THRESHOLD logits.
 */
export const THREAD_THRESHOLD = 1 << 21;
const ROWS_THRESHOLD = 1 << 19;
let threshold = THREAD_THRESHOLD;
/** Jobs that ran on several threads since the process started (tests and benchmarks read it). */
let threadedCount = 0;

/** Sets the size (m·k·n) from which products are shared; tests lower it to exercise small ones. */
export function setThreadThreshold(macs: number = THREAD_THRESHOLD): void {
  threshold = macs;
}

/** How many jobs (products, Bernoulli rows) have run on several threads so far. */
export function threadedProducts(): number {
  return threadedCount;
}

// Whether threads pay, shape by shape: on a machine busy with other work a worker may get no more
// than a share of this thread's core, and then the copies are all that threading adds. So each
// job's shape (training and IWAE repeat theirs) is timed both ways on two calls in a row (one
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
 * Whether jobs choose between one thread and several by their measured times (the default); off,
 * every job large enough is shared (tests that need the threaded path turn it off).
 */
export function setAdaptiveThreads(on: boolean): void {
  adaptive = on;
}

/** Milliseconds the first worker sleeps before each chunk: tests stand in a busy machine with it. */
let stall = 0;
export function setWorkerStall(ms = 0): void {
  stall = ms;
}

// Workers' slots (int32s in a SharedArrayBuffer), SLOT per worker: its job number (GO), the last job
// it finished (DONE), whether it is ready for jobs (READY), the arena it runs in (ARENA), the job's
// kind (KIND) and arguments (ARGS).
const SLOT = 32;
const [GO, DONE, READY, ARENA, KIND, ARGS] = [0, 1, 2, 3, 4, 5];
const [PRODUCT, ROWS] = [0, 1];
/** The job's arguments in a worker's slot, at most. */
const ARG_COUNT = 24;
const MAX_WORKERS = 30;
// A job runs in an arena, a shared WebAssembly memory of its own that starts with its control block
// (int32s): CHUNKS holds the next chunk this thread would claim (low 16 bits) and one past the last
// a worker would (high 16 bits); the input's rows are in for chunks COPIED and up (WAITING: how many
// workers wait for more); FLAGS + c is the job number once a worker has finished chunk c. A worker
// that the OS left waiting so long that this thread did its chunk itself may still be writing to
// its arena, so the next job takes another one.
const ARENAS = 3;
const [CHUNKS, COPIED, WAITING] = [0, 1, 2];
const FLAGS = 16;
const MAX_CHUNKS = 256;
const CONTROL_BYTES = 4096;
const PAGE = 65536;
/** An arena's limit (1 GiB); a job needing more stays on one thread. */
const MAX_PAGES = 16_384;
const ALIGN = 64;

/**
 * The worker: instantiate the shared-memory modules on every arena, then for each job posted to its
 * slot compute chunks from the last down while any are left at or above `floor`, waiting for each
 * chunk's input rows (COPIED). Every job's arguments start with: rows, rows per chunk, floor, r0
 * (the first row whose input is in the arena), stall (the first worker sleeps that many ms before
 * each chunk: setWorkerStall; 0 but in tests). Then a product's: a, lda, ta, b, ldb, tb, c, ldc, k,
 * n, scratch, bias, act, with row i of A at a + (i − r0)·lda (transposed: a + 4(i − r0) + kk·lda) and
 * of C at c + (i − r0)·ldc; Bernoulli rows': logits, x, out, d, k, with row i at logits +
 * (i − r0)·4d, its image at x + (i − r0)/k·4d, its output at out + 4(i − r0).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { gemmBytes, rowsBytes, arenas, slotBuffer, slot } = workerData;
const gemmModule = new WebAssembly.Module(gemmBytes);
const rowsModule = new WebAssembly.Module(rowsBytes);
const instances = arenas.map((memory) => ({
  gemm: new WebAssembly.Instance(gemmModule, { env: { memory } }).exports,
  rows: new WebAssembly.Instance(rowsModule, { env: { memory } }).exports.rows,
  ctl: new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4}),
}));
const slots = new Int32Array(slotBuffer);
const base = slot * ${SLOT};
// Warm-up on a memory of its own: V8 runs new WebAssembly code in its baseline compiler and
// optimises it once it has run a while; a few small jobs get that done before the first real one.
{
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
  const warm = new WebAssembly.Instance(gemmModule, { env: { memory } }).exports;
  const rows = new WebAssembly.Instance(rowsModule, { env: { memory } }).exports.rows;
  for (let i = 0; i < 4; i++) {
    for (const [ta, tb] of [[0, 0], [1, 1]])
      warm.product(0, 256, ta, 16384, 256, tb, 32768, 256, 64, 64, 64, 49152, 98304, 1);
    rows(0, 16384, 64, 64, 8, 32768);
  }
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
  const { gemm, rows, ctl } = instances[slots[base + ${ARENA}]];
  const kind = slots[base + ${KIND}];
  const args = slots.slice(base + ${ARGS}, base + ${ARGS} + ${ARG_COUNT});
  const [m, per, floor, r0, stall] = args;
  try {
    let prepared = false;
    for (let chunk = claim(ctl, floor); chunk >= 0; chunk = claim(ctl, floor)) {
      for (let copied; (copied = Atomics.load(ctl, ${COPIED})) > chunk; ) {
        Atomics.add(ctl, ${WAITING}, 1);
        Atomics.wait(ctl, ${COPIED}, copied);
        Atomics.sub(ctl, ${WAITING}, 1);
      }
      if (stall && slot === 0) Atomics.wait(slots, base + ${SLOT} - 1, 0, stall);
      const from = chunk * per - r0;
      const count = Math.min(per, m - r0 - from);
      if (kind === ${PRODUCT}) {
        const [a, lda, ta, b, ldb, tb, c, ldc, k, n, scratch, bias, act] = args.slice(5);
        if (!prepared) gemm.packAllB(b, ldb, tb, k, n, scratch);
        prepared = true;
        gemm.productPacked(ta ? a + 4 * from : a + from * lda, lda, ta, scratch, c + from * ldc,
          ldc, count, k, n, scratch + 4 * k * n, bias, act);
      } else {
        const [logits, x, out, d, k] = args.slice(5);
        rows(logits + 4 * from * d, x + (4 * from * d) / k, count, d, k, out + 4 * from);
      }
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
/** Threads in all (this one included) that jobs may use; from LATENT_ATLAS_THREADS. */
let wanted = defaultThreads();

function defaultThreads(): number {
  const fromEnv = Number.parseInt(process.env.LATENT_ATLAS_THREADS ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, MAX_WORKERS + 1);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : 0;
  return Math.max(1, Math.min(cores || os.cpus().length, MAX_WORKERS + 1));
}

/**
 * How many threads jobs use: `true` the default (LATENT_ATLAS_THREADS, else one per core), `false`
 * or 1 this thread only, a number that many in all.
 */
export function setGemmThreads(threads: boolean | number): void {
  if (threads === true) wanted = defaultThreads();
  else if (threads === false) wanted = 1;
  else wanted = Math.max(1, Math.min(Math.floor(threads), MAX_WORKERS + 1));
}

/** The threads jobs may use now (1: threading is off). */
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
          gemmBytes: buildGemmModule(true),
          rowsBytes: buildBernoulliModule(true),
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
 * `timeoutMs` or where there are none to start. Jobs do not wait for this (they run on one thread
 * until the workers are ready); tests and benchmarks do.
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

/** A job cut into chunks of rows, as runShared runs it. */
interface Job {
  kind: number;
  /** Rows, rows per chunk (a multiple of `granule`), chunks, and the first a worker may take. */
  m: number;
  per: number;
  chunks: number;
  floor: number;
  /** The first row whose input goes into the arena. */
  r0: number;
  /** Bytes of the arena from CONTROL_BYTES on, for `workers` workers. */
  bytes(workers: number): number;
  /** Copies what every chunk reads into the arena (`shared`) from the heap (`heap`). */
  copyCommon(shared: Float32Array, heap: Float32Array): void;
  /** Copies the input of rows [from, to) into the arena, or (`from` undefined) all of it at once. */
  copyRows(shared: Float32Array, heap: Float32Array, from: number, to: number): void;
  /** Whether copyRows takes the rows chunk by chunk (else once, for all of them). */
  byChunk: boolean;
  /** The worker's arguments after the common five, for worker `w`. */
  args(w: number): number[];
  /** Gets this thread ready for its chunks (e.g. packs B). */
  prepare(): void;
  /** Computes rows [from, to) on this thread, on the heap. */
  compute(from: number, to: number): void;
  /** Copies rows [from, to) of a worker's output from the arena to the heap. */
  copyBack(shared: Float32Array, heap: Float32Array, from: number, to: number): void;
}

/**
 * Runs `job` on this thread and the idle workers, or returns false with nothing done (threading
 * off, no worker ready, no free arena, too few chunks, or an arena that cannot grow to hold it).
 */
function runShared(heap: WebAssembly.Memory, make: (threads: number) => Job | null): boolean {
  const p = ensurePool();
  if (!p) return false;
  const slots = readyWorkers(p);
  const arenaIndex = slots.length ? freeArena(p) : -1;
  if (arenaIndex < 0) return false;
  const job = make(slots.length + 1);
  if (!job || job.chunks < 2 || job.chunks > MAX_CHUNKS) return false;
  const arena = p.arenas[arenaIndex];
  const pages = Math.ceil((CONTROL_BYTES + job.bytes(slots.length)) / PAGE);
  const have = arena.memory.buffer.byteLength / PAGE;
  if (pages > MAX_PAGES) return false;
  if (pages > have) {
    try {
      arena.memory.grow(pages - have);
    } catch {
      return false;
    }
  }
  const { m, per, chunks, floor } = job;
  const shared = new Float32Array(arena.memory.buffer);
  const source = new Float32Array(heap.buffer);
  job.copyCommon(shared, source);
  const control = arena.control;
  Atomics.store(control, CHUNKS, chunks << 16);
  Atomics.store(control, COPIED, chunks);
  const generation = (p.generation = (p.generation + 1) | 0);
  slots.forEach((slot, w) => {
    const base = slot * SLOT;
    const args = [m, per, floor, job.r0, stall, ...job.args(w)];
    for (let i = 0; i < args.length; i++) p.slots[base + ARGS + i] = args[i];
    p.slots[base + ARENA] = arenaIndex;
    p.slots[base + KIND] = job.kind;
    Atomics.store(p.slots, base + GO, generation);
    Atomics.notify(p.slots, base + GO);
  });
  // The input's rows for the workers: chunk by chunk from the last, each released as soon as it is
  // in (or all at once).
  const copied = (chunk: number) => {
    Atomics.store(control, COPIED, chunk);
    // (A wake-up is a system call, and a slow one in a virtual machine: only when it is needed.)
    if (Atomics.load(control, WAITING) > 0) Atomics.notify(control, COPIED);
  };
  if (!job.byChunk) {
    job.copyRows(shared, source, job.r0, m);
    copied(floor);
  } else
    for (let chunk = chunks - 1; chunk >= floor; chunk--) {
      job.copyRows(shared, source, chunk * per, Math.min(m, (chunk + 1) * per));
      copied(chunk);
    }

  // This thread's chunks, from the first up, in place on the heap; between them, the rows of the
  // chunks workers have finished go back to the heap.
  /** 1: this thread computed the chunk; 2: its rows were copied back from the arena. */
  const state = new Uint8Array(chunks);
  let mine = 0;
  const copyBack = () => {
    for (let chunk = chunks - 1; chunk >= mine; chunk--) {
      if (state[chunk] || Atomics.load(control, FLAGS + chunk) !== generation) continue;
      job.copyBack(shared, source, chunk * per, Math.min(m, (chunk + 1) * per));
      state[chunk] = 2;
    }
  };
  job.prepare();
  const started = performance.now();
  for (;;) {
    const chunkState = Atomics.load(control, CHUNKS);
    const [front, back] = [chunkState & 0xffff, chunkState >>> 16];
    if (front >= back) break;
    const next = (front + 1) | (back << 16);
    if (Atomics.compareExchange(control, CHUNKS, chunkState, next) !== chunkState) continue;
    job.compute(front * per, Math.min(m, (front + 1) * per));
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
    job.compute(chunk * per, Math.min(m, (chunk + 1) * per));
    state[chunk] = 1;
    copyBack();
  }
  threadedCount++;
  return true;
}

/**
 * Rows per chunk (a multiple of `granule`, at least `least` where m allows two such chunks), chunks
 * (about eight per thread, so the last one claimed is short) and the first chunk a worker may take:
 * this thread's share of the rows is copied to no worker, except its first half (floor is half this
 * thread's share), so that a worker finishing early can still take some.
 */
function chunking(
  m: number,
  threads: number,
  granule: number,
  least: number,
): { per: number; chunks: number; floor: number } {
  const granules = Math.ceil(m / granule);
  const atLeast = Math.min(Math.ceil(least / granule), Math.floor(granules / 2));
  const per = granule * Math.max(atLeast, Math.ceil(granules / Math.min(granules, 8 * threads)));
  const chunks = Math.ceil(m / per);
  return { per, chunks, floor: Math.floor(chunks / (2 * threads)) };
}

/** The product `call` as a job; this thread packs B into `scratch` and A strips after it. */
function productJob(
  kernel: GemmKernel,
  call: ProductCall,
  scratch: number,
  threads: number,
): Job | null {
  const { m, k, n, ta } = call;
  const { per, chunks, floor } = chunking(m, threads, 4, MC);
  // Rows r0 … m − 1 are the ones a worker may reach: their A goes into the arena. A stored
  // transposed is copied in k runs of m − r0 floats where they are long, else whole (r0 = 0).
  const r0 = ta && floor * per < 1024 ? 0 : floor * per;
  const rows = m - r0;
  // The arena: A's rows, B, bias, C's rows, then each worker's packing scratch.
  const aAt = CONTROL_BYTES;
  const bAt = aAt + align(rows * k * 4);
  const biasAt = bAt + align(k * n * 4);
  const cAt = biasAt + (call.bias ? align(n * 4) : 0);
  const scratchAt = cAt + align(rows * n * 4);
  const workerScratch = align(packedBBytes(k, n) + packedABytes(per, k));
  const copy = (
    shared: Float32Array,
    heap: Float32Array,
    from: number,
    floats: number,
    to: number,
  ) => shared.set(heap.subarray(from / 4, from / 4 + floats), to / 4);
  const packedB = scratch;
  const packedA = scratch + packedBBytes(k, n);
  return {
    kind: PRODUCT,
    m,
    per,
    chunks,
    floor,
    r0,
    bytes: (workers) => scratchAt - CONTROL_BYTES + workers * workerScratch,
    copyCommon: (shared, heap) => {
      copy(shared, heap, call.b, k * n, bAt);
      if (call.bias) copy(shared, heap, call.bias, n, biasAt);
    },
    byChunk: !ta,
    copyRows: (shared, heap, from, to) => {
      if (!ta)
        copy(shared, heap, call.a + from * call.lda, (to - from) * k, aAt + (from - r0) * k * 4);
      else if (r0 === 0) copy(shared, heap, call.a, k * m, aAt);
      else
        for (let kk = 0; kk < k; kk++)
          copy(shared, heap, call.a + kk * call.lda + 4 * r0, rows, aAt + kk * rows * 4);
    },
    args: (w) => [
      aAt,
      ta ? rows * 4 : call.lda,
      Number(ta),
      bAt,
      call.ldb,
      Number(call.tb),
      cAt,
      n * 4,
      k,
      n,
      scratchAt + w * workerScratch,
      call.bias ? biasAt : 0,
      call.act,
    ],
    prepare: () => kernel.packAllB(call.b, call.ldb, Number(call.tb), k, n, packedB),
    compute: (from, to) =>
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
      ),
    copyBack: (shared, heap, from, to) => {
      const at = (cAt + (from - r0) * n * 4) / 4;
      heap.set(shared.subarray(at, at + (to - from) * n), (call.c + from * n * 4) / 4);
    },
  };
}

/** The Bernoulli rows `call` as a job, cut at whole items (k rows each). */
function rowsJob(rows: (...args: number[]) => void, call: RowsCall, threads: number): Job {
  const { n, d, k } = call;
  const { per, chunks, floor } = chunking(n, threads, k, 64);
  const r0 = floor * per;
  const count = n - r0;
  const logitsAt = CONTROL_BYTES;
  const xAt = logitsAt + align(count * d * 4);
  const outAt = xAt + align((count / k) * d * 4);
  const copy = (
    shared: Float32Array,
    heap: Float32Array,
    from: number,
    floats: number,
    to: number,
  ) => shared.set(heap.subarray(from / 4, from / 4 + floats), to / 4);
  return {
    kind: ROWS,
    m: n,
    per,
    chunks,
    floor,
    r0,
    bytes: () => outAt + align(count * 4) - CONTROL_BYTES,
    copyCommon: (shared, heap) =>
      copy(shared, heap, call.x + (r0 / k) * d * 4, (count / k) * d, xAt),
    byChunk: true,
    copyRows: (shared, heap, from, to) =>
      copy(
        shared,
        heap,
        call.logits + from * d * 4,
        (to - from) * d,
        logitsAt + (from - r0) * d * 4,
      ),
    args: () => [logitsAt, xAt, outAt, d, k],
    prepare: () => undefined,
    compute: (from, to) =>
      rows(
        call.logits + from * d * 4,
        call.x + (from / k) * d * 4,
        to - from,
        d,
        k,
        call.out + from * 4,
      ),
    copyBack: (shared, heap, from, to) => {
      const at = (outAt + (from - r0) * 4) / 4;
      heap.set(shared.subarray(at, at + to - from), (call.out + from * 4) / 4);
    },
  };
}

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
  if (!shareable(call)) return false;
  return runShared(heap, (threads) => productJob(kernel, call, scratch, threads));
}

const shareable = ({ m, k, n }: ProductCall) => wanted > 1 && m * k * n >= threshold && m >= 8;

/**
 * Runs `single` (the job on this thread) or `shared` (on several; false where it could not), as
 * the shape `key`'s paired timings say is faster; always `shared` first where adaptive choice is off.
 */
function choose(key: string, single: () => void, shared: () => boolean): void {
  if (!adaptive) {
    if (!shared()) single();
    return;
  }
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
    single();
    timing.one = performance.now() - started;
  } else if (phase === 1) {
    if (!shared()) return single();
    const ratio = (performance.now() - started) / Math.max(timing.one, 1e-3);
    timing.ratio = timing.pairs < 2 ? ratio : 0.7 * timing.ratio + 0.3 * ratio;
    timing.pairs++;
  } else if (!(timing.ratio < 0.95 && shared())) single();
}

/**
 * C = op(A)·op(B) (+ bias, activation) for `call` on the tfjs heap `heap`: on several threads
 * (runThreaded) or on this one (`kernel.product`), whichever is faster for this shape lately, or
 * always on several where the product is large enough and adaptive choice is off. `scratch`: an
 * address on the heap of productScratchBytes(m, k, n) bytes (gemm.ts).
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
  const key = `${call.m} ${call.k} ${call.n} ${+call.ta}${+call.tb} ${call.bias ? 1 : 0}`;
  choose(key, one, () => runShared(heap, (t) => productJob(kernel, call, scratch, t)));
}

/**
 * bernoulli.ts' rows (`rows`, on the tfjs heap `heap`) for `call`: on several threads or on this
 * one, as `multiply` chooses.
 */
export function bernoulliRows(
  rows: (...args: number[]) => void,
  heap: WebAssembly.Memory,
  call: RowsCall,
): void {
  const { n, d, k } = call;
  const one = () => rows(call.logits, call.x, n, d, k, call.out);
  if (wanted <= 1 || n * d < ROWS_THRESHOLD || n < 2 * k) return one();
  choose(`rows ${n} ${d} ${k}`, one, () => runShared(heap, (t) => rowsJob(rows, call, t)));
}
