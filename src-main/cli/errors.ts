/** What every line the command writes about a problem starts with. */
export const PREFIX = 'latent-atlas: ';

/** Prints one clear line for any failure; the stack only with LATENT_ATLAS_DEBUG=1. */
export function reportError(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${PREFIX}${message.split('\n')[0]}\n`);
  if (process.env.LATENT_ATLAS_DEBUG && err instanceof Error && err.stack)
    process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
