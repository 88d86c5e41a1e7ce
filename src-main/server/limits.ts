/**
 * What one `serve` gives any client, so that no client (careless, slow or hostile) can take the
 * server's memory or its event loop from the others. SECURITY.md lists these figures; the fuzz
 * and soak suites (tests/server) hold the server to them.
 */
export interface ServeLimits {
  /**
   * Largest WebSocket message accepted; a bigger one closes the connection (1009) before its
   * payload is read. The largest request the page sends is a `decode` of MAX_DECODE (10 000)
   * latent vectors of the largest latent dimension (1 024): 40 MB of float32, plus a small header
   * (tests/server/limits.test.ts checks that it fits).
   */
  maxFrameBytes: number;
  /** Open sockets at once; further upgrades are refused with HTTP 503. */
  maxConnections: number;
  /** Requests one connection may have in flight; more are answered `busy` at once. */
  maxInFlight: number;
  /** Bytes of request frames one connection may have in flight; more are answered `busy`. */
  maxInFlightBytes: number;
  /** Bytes of request frames in flight over all connections; more are answered `busy`. */
  maxTotalInFlightBytes: number;
  /**
   * Bytes queued for a client that is not reading them; beyond this the connection is dropped.
   * One reply bigger than this still goes out whole to a client that reads.
   */
  maxBacklogBytes: number;
  /** A connection that has not answered a ping sent this long ago is dropped (0: no pings). */
  heartbeatMs: number;
  /** Time allowed to send an HTTP request's headers (slow-header clients are cut off). */
  headersTimeoutMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<ServeLimits> = {
  maxFrameBytes: 64 * MiB,
  maxConnections: 256,
  maxInFlight: 32,
  maxInFlightBytes: 128 * MiB,
  maxTotalInFlightBytes: 512 * MiB,
  maxBacklogBytes: 64 * MiB,
  heartbeatMs: 30_000,
  headersTimeoutMs: 10_000,
};

/** The defaults with `overrides` applied, each checked to be a positive integer (0 allowed for pings). */
export function serveLimits(overrides: Partial<ServeLimits> = {}): ServeLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    const least = key === 'heartbeatMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) {
      throw new Error(`serve limit ${key} must be an integer ≥ ${least}, got ${String(value)}`);
    }
  }
  return limits;
}
