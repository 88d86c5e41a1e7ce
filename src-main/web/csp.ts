/**
 * The page's Content-Security-Policy, shared by the Electron protocol handler and `serve`: scripts
 * and styles only from the app itself, no eval, no plugins, no framing, connections only back to
 * where the page came from. Inline styles stay allowed because Svelte transitions set them.
 * `'wasm-unsafe-eval'` lets the page compile WebAssembly (onnxruntime-web's .wasm, served by the
 * app itself, for ONNX decoders) and nothing else: JavaScript eval stays refused.
 */
export function contentSecurityPolicy(options: { connect?: string[] } = {}): string {
  const connect = ["'self'", ...(options.connect ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers every served response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
