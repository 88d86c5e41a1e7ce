// im2col and col2im (nets/im2col.ts) in WebAssembly on the tfjs-wasm heap: with unit dilation the
// kw taps of one kernel row are kw consecutive pixels, so each patch row is kh runs of kw·ci
// contiguous floats, copied with memory.copy (im2col) or added with f32x4 (col2im); only runs that
// cross the image's edge go tap by tap. The plain-JavaScript loops of im2col.ts stay as the
// reference (and the path on other backends).
import { FunctionBody, I32, V128, unsignedLeb as leb } from '../coverage/kernels/wasm-writer';
import type { PatchGeometry } from '../nets/im2col';

const raw = (f: FunctionBody, ...bytes: number[]) => f.code.push(...bytes);
const i32Or = (f: FunctionBody) => raw(f, 0x72);
const i32GtS = (f: FunctionBody) => raw(f, 0x4a);
/** Unsigned ≥, for addresses (above 2 GiB they are negative as signed i32s). */
const i32GeU = (f: FunctionBody) => raw(f, 0x4f);
/** if … else … end on the i32 on the stack. */
const ifElse = (f: FunctionBody, then: () => void, otherwise?: () => void) => {
  raw(f, 0x04, 0x40);
  then();
  if (otherwise) {
    raw(f, 0x05);
    otherwise();
  }
  raw(f, 0x0b);
};
/** memory.copy(dst, src, bytes) and memory.fill(dst, 0, bytes) with the operands on the stack. */
const memoryCopy = (f: FunctionBody) => raw(f, 0xfc, ...leb(10), 0, 0);
const memoryFill = (f: FunctionBody) => raw(f, 0xfc, ...leb(11), 0);
const f32x4Add = (f: FunctionBody) => raw(f, 0xfd, ...leb(0xe4));
const f32Load = (f: FunctionBody) => raw(f, 0x2a, 2, 0);
const f32Store = (f: FunctionBody) => raw(f, 0x38, 2, 0);
const f32Add = (f: FunctionBody) => raw(f, 0x92);

const PARAMS = 14;
const [X, COLS, BATCH, H, W, CI, HO, WO, KH, KW, SH, SW, TOP, LEFT] = Array.from(
  { length: PARAMS },
  (_, i) => i,
);

/**
 * The loops both kernels share: for every patch row and kernel row i, `run(image, cols, bytes)`
 * for a run of taps inside the image and `skip(bytes)` for one outside it, with `cursor` the byte
 * address in the patch matrix (advanced here).
 */
function emitWalk(
  f: FunctionBody,
  run: (image: number, cols: number, bytes: number) => void,
  skip: (cols: number, bytes: number) => void,
): void {
  const [n, oy, ox, i, j, iy, ix, ix0, inside, image, line, cursor, rowBytes, tapRun] = Array.from(
    { length: 14 },
    () => f.local(I32),
  );
  const [imageBytes, lineBytes] = [f.local(I32), f.local(I32)];
  f.get(CI).i32(4).i32Mul().set(rowBytes);
  f.get(KW).get(rowBytes).i32Mul().set(tapRun);
  f.get(W).get(rowBytes).i32Mul().set(lineBytes);
  f.get(H).get(lineBytes).i32Mul().set(imageBytes);
  f.get(COLS).set(cursor);
  f.forRange(
    n,
    () => f.i32(0),
    BATCH,
    1,
    () => {
      f.get(X).get(n).get(imageBytes).i32Mul().i32Add().set(image);
      f.forRange(
        oy,
        () => f.i32(0),
        HO,
        1,
        () => {
          f.forRange(
            ox,
            () => f.i32(0),
            WO,
            1,
            () => {
              f.get(ox).get(SW).i32Mul().get(LEFT).i32Sub().set(ix0);
              // inside = ix0 >= 0 && ix0 + kw <= w
              f.get(ix0).i32(0).i32LtS().get(ix0).get(KW).i32Add().get(W);
              i32GtS(f);
              i32Or(f);
              f.i32(1);
              raw(f, 0x73); // i32.xor: not outside
              f.set(inside);
              f.forRange(
                i,
                () => f.i32(0),
                KH,
                1,
                () => {
                  f.get(oy).get(SH).i32Mul().get(TOP).i32Sub().get(i).i32Add().set(iy);
                  f.get(iy).i32(0).i32LtS().get(iy).get(H).i32GeS();
                  i32Or(f);
                  ifElse(
                    f,
                    () => {
                      skip(cursor, tapRun);
                      f.get(cursor).get(tapRun).i32Add().set(cursor);
                    },
                    () => {
                      f.get(image).get(iy).get(lineBytes).i32Mul().i32Add().set(line);
                      f.get(inside);
                      ifElse(
                        f,
                        () => {
                          f.get(line).get(ix0).get(rowBytes).i32Mul().i32Add().set(ix);
                          run(ix, cursor, tapRun);
                          f.get(cursor).get(tapRun).i32Add().set(cursor);
                        },
                        () => {
                          f.forRange(
                            j,
                            () => f.i32(0),
                            KW,
                            1,
                            () => {
                              f.get(ix0).get(j).i32Add().set(ix);
                              f.get(ix).i32(0).i32LtS().get(ix).get(W).i32GeS();
                              i32Or(f);
                              ifElse(
                                f,
                                () => skip(cursor, rowBytes),
                                () => {
                                  f.get(line).get(ix).get(rowBytes).i32Mul().i32Add().set(ix);
                                  run(ix, cursor, rowBytes);
                                },
                              );
                              f.get(cursor).get(rowBytes).i32Add().set(cursor);
                            },
                          );
                        },
                      );
                    },
                  );
                },
              );
            },
          );
        },
      );
    },
  );
}

function emitIm2col(f: FunctionBody): void {
  emitWalk(
    f,
    (image, cols, bytes) => {
      f.get(cols).get(image).get(bytes);
      memoryCopy(f);
    },
    (cols, bytes) => {
      f.get(cols).i32(0).get(bytes);
      memoryFill(f);
    },
  );
}

function emitCol2im(f: FunctionBody): void {
  // x = 0, then every run of the patch matrix added onto its pixels.
  const [p, q, end, vecEnd] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const acc = f.local(V128);
  f.get(X).i32(0).get(BATCH).get(H).i32Mul().get(W).i32Mul().get(CI).i32Mul().i32(4).i32Mul();
  memoryFill(f);
  emitWalk(
    f,
    (image, cols, bytes) => {
      f.get(image).set(p);
      f.get(cols).set(q);
      f.get(image).get(bytes).i32Add().set(end);
      f.get(image).get(bytes).i32(-16).i32And().i32Add().set(vecEnd);
      f.block(() =>
        f.loop(() => {
          f.get(p).get(vecEnd);
          i32GeU(f);
          f.brIf(1);
          f.get(p).get(p).v128Load(0).get(q).v128Load(0);
          f32x4Add(f);
          f.set(acc).get(acc).v128Store(0);
          f.get(p).i32(16).i32Add().set(p);
          f.get(q).i32(16).i32Add().set(q);
          f.br(0);
        }),
      );
      f.block(() =>
        f.loop(() => {
          f.get(p).get(end);
          i32GeU(f);
          f.brIf(1);
          f.get(p).get(p);
          f32Load(f);
          f.get(q);
          f32Load(f);
          f32Add(f);
          f32Store(f);
          f.get(p).i32(4).i32Add().set(p);
          f.get(q).i32(4).i32Add().set(q);
          f.br(0);
        }),
      );
    },
    () => undefined,
  );
}

export function buildPatchModule(): Uint8Array<ArrayBuffer> {
  const functions: { name: string; body: FunctionBody }[] = [];
  for (const [name, emit] of [
    ['im2col', emitIm2col],
    ['col2im', emitCol2im],
  ] as const) {
    const body = new FunctionBody(PARAMS);
    emit(body);
    functions.push({ name, body });
  }
  const vector = (items: number[][]) => [...leb(items.length), ...items.flat()];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => {
    const bytes = Array.from(new TextEncoder().encode(text));
    return [...leb(bytes.length), ...bytes];
  };
  const signature = [0x60, ...vector(new Array(PARAMS).fill([I32])), 0];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([signature])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector(functions.map(() => [0]))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...leb(i)]))),
    ...section(10, vector(functions.map((f) => f.body.encode()))),
  ];
  return new Uint8Array(bytes);
}

type PatchFunction = (...args: number[]) => void;
export interface PatchKernels {
  /** im2col from the image at byte address x to the patch matrix at cols. */
  im2col(x: number, cols: number, g: PatchGeometry): void;
  /** col2im from the patch matrix at cols to the image at x (overwritten). */
  col2im(cols: number, x: number, g: PatchGeometry): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernels on `memory`, or null where WebAssembly (bulk memory, SIMD) is unavailable. */
export function instantiatePatches(memory: WebAssembly.Memory): PatchKernels | null {
  if (compiled === undefined) {
    try {
      const bytes = buildPatchModule();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as {
    im2col: PatchFunction;
    col2im: PatchFunction;
  };
  const args = (g: PatchGeometry) => [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.kernelHeight,
    g.kernelWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  ];
  return {
    im2col: (x, cols, g) => exports.im2col(x, cols, ...args(g)),
    col2im: (cols, x, g) => exports.col2im(x, cols, ...args(g)),
  };
}
