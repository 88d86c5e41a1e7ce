// Whether WebAssembly's relaxed SIMD (f32x4.relaxed_madd: a fused multiply-add where the CPU has
// FMA) can be used. Chromium (Electron's renderer and main process since V8 11.4) ships it; Node 20's
// V8 has it behind --experimental-wasm-relaxed-simd, which is switched on here for the process
// (V8 reads wasm feature flags when it compiles a module). LATENT_ATLAS_FMA=0 keeps plain SIMD.

/** (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd) */
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b,
  0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20,
  0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

interface NodeProcess {
  env: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => { setFlagsFromString(flags: string): void } | undefined;
}

let available: boolean | undefined;

/** True where f32x4.relaxed_madd compiles (after switching Node's flag on), once per process. */
export function relaxedSimd(): boolean {
  if (available !== undefined) return available;
  const process = (globalThis as { process?: NodeProcess }).process;
  if (process?.env.LATENT_ATLAS_FMA === '0') return (available = false);
  try {
    if (!WebAssembly.validate(PROBE))
      process
        ?.getBuiltinModule?.('node:v8')
        ?.setFlagsFromString('--experimental-wasm-relaxed-simd');
    available = WebAssembly.validate(PROBE);
  } catch {
    available = false;
  }
  return available;
}
