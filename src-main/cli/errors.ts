/** Prints one clear line for any failure; the stack only with LATENT_ATLAS_DEBUG=1. */
export function reportError(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`latent-atlas: ${message.split('\n')[0]}\n`);
  if (process.env.LATENT_ATLAS_DEBUG && err instanceof Error && err.stack)
    process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
