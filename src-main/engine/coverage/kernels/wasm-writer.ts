// A minimal WebAssembly binary writer: just enough (i32 arithmetic, f64 and 128-bit SIMD f64x2
// loads, stores and arithmetic, structured control flow) to emit the few numeric kernels of
// `gram-kernels.ts` from TypeScript, so no compiled blob or toolchain has to live in the repo.
// Encoding: WebAssembly Core Specification 2.0, §5 (binary format).

const SIMD_PREFIX = 0xfd;

/** The value types the kernels use. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** LEB128 of an unsigned integer (the encoding of every index, size and SIMD opcode). */
export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...unsignedLeb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

/** Instruction emitter for one function body; locals are numbered after the parameters. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly locals: ValueType[] = [];

  constructor(readonly parameterCount: number) {}

  local(type: ValueType): number {
    this.locals.push(type);
    return this.parameterCount + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(SIMD_PREFIX, ...unsignedLeb(opcode), ...immediates);
  }

  get(index: number): this {
    return this.op(0x20, ...unsignedLeb(index));
  }
  set(index: number): this {
    return this.op(0x21, ...unsignedLeb(index));
  }
  i32(value: number): this {
    return this.op(0x41, ...signedLeb(value));
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  f64Load(offset = 0): this {
    return this.op(0x2b, 3, ...unsignedLeb(offset));
  }
  f64Store(offset = 0): this {
    return this.op(0x39, 3, ...unsignedLeb(offset));
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  v128Load(offset = 0): this {
    return this.simd(0, 3, ...unsignedLeb(offset));
  }
  v128Store(offset = 0): this {
    return this.simd(11, 3, ...unsignedLeb(offset));
  }
  v128Zero(): this {
    return this.simd(12, ...new Array<number>(16).fill(0));
  }
  f64x2ExtractLane(lane: 0 | 1): this {
    return this.simd(33, lane);
  }
  f64x2Add(): this {
    return this.simd(240);
  }
  f64x2Mul(): this {
    return this.simd(242);
  }
  /** block … end; `body` gets the branch depth of this block's end. */
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...unsignedLeb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...unsignedLeb(depth));
  }

  /** for (counter = start; counter < limit; counter += step) body — limits are locals. */
  forRange(counter: number, start: () => void, limit: number, step: number, body: () => void) {
    start();
    this.set(counter);
    this.block(() =>
      this.loop(() => {
        this.get(counter).get(limit).i32GeS().brIf(1);
        body();
        this.get(counter).i32(step).i32Add().set(counter).br(0);
      }),
    );
  }

  encode(): number[] {
    const groups: number[][] = [];
    for (const type of this.locals) groups.push([...unsignedLeb(1), type]);
    const body = [...vector(groups), ...this.code, 0x0b];
    return [...unsignedLeb(body.length), ...body];
  }
}

interface FunctionDefinition {
  name: string;
  parameters: ValueType[];
  body: FunctionBody;
}

/** A module with one exported memory and exported functions that return nothing. */
export class ModuleWriter {
  private readonly functions: FunctionDefinition[] = [];

  addFunction(name: string, parameters: ValueType[], build: (body: FunctionBody) => void): void {
    const body = new FunctionBody(parameters.length);
    build(body);
    this.functions.push({ name, parameters, body });
  }

  encode(initialPages: number): Uint8Array<ArrayBuffer> {
    const section = (id: number, content: number[]) => [
      id,
      ...unsignedLeb(content.length),
      ...content,
    ];
    const types = this.functions.map((f) => [0x60, ...vector(f.parameters.map((p) => [p])), 0]);
    const bytes = [
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...section(1, vector(types)),
      ...section(3, vector(this.functions.map((_, i) => unsignedLeb(i)))),
      ...section(5, vector([[0x00, ...unsignedLeb(initialPages)]])),
      ...section(
        7,
        vector([
          [...name('memory'), 0x02, 0],
          ...this.functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb(i)]),
        ]),
      ),
      ...section(10, vector(this.functions.map((f) => f.body.encode()))),
    ];
    return new Uint8Array(bytes);
  }
}

/** A function of a module that imports its memory: its export name, parameters and body. */
export interface ImportedMemoryFunction {
  name: string;
  parameters: ValueType[];
  body: FunctionBody;
}

/**
 * A module that imports `env.memory` (another module's heap, e.g. tfjs-wasm's, or with `shared` a
 * shared memory of at most 4 GiB for worker threads) and exports functions that return nothing.
 */
export function importedMemoryModule(
  functions: ImportedMemoryFunction[],
  shared = false,
): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: number[]) => [
    id,
    ...unsignedLeb(content.length),
    ...content,
  ];
  const memory = shared ? [0x03, ...unsignedLeb(1), ...unsignedLeb(65536)] : [0x00, 0x01];
  const types = functions.map((f) => [0x60, ...vector(f.parameters.map((p) => [p])), 0]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memory]])),
    ...section(3, vector(functions.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb(i)]))),
    ...section(10, vector(functions.map((f) => f.body.encode()))),
  ]);
}
