// The slice of the WebAssembly JS API the engine's kernels use (Node has it as a global). The
// engine is typechecked without the DOM lib (src-main/engine/tsconfig.json), which is where
// TypeScript declares WebAssembly; this keeps that check without letting the DOM back in.
// Shapes follow the WebAssembly JS API spec (https://webassembly.github.io/spec/js-api/).
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  interface Module {
    readonly __module: unique symbol;
  }
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  type ImportValue = Memory | ((...args: number[]) => number | void) | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  const Memory: {
    prototype: Memory;
    new (descriptor: { initial: number; maximum?: number; shared?: boolean }): Memory;
  };
  const Module: { prototype: Module; new (bytes: BufferSource): Module };
  const Instance: { prototype: Instance; new (module: Module, imports?: Imports): Instance };
  function validate(bytes: BufferSource): boolean;
}
