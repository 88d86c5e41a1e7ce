import type { WebSocket } from 'ws';
import type { ServeLimits } from './limits';

/**
 * WebSocket close codes `serve` uses (RFC 6455 §7.4.1). ws itself closes with 1002 (protocol
 * error: a reserved opcode, an unmasked client frame, bad lengths), 1007 (invalid UTF-8) and 1009
 * (a message over the frame limit) before it reports the error.
 */
export const CLOSE = {
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  invalidData: 1007,
  policyViolation: 1008,
  tooBig: 1009,
} as const;

/** Bytes of a reason the log keeps (a client chooses how long its own error messages are). */
const LOGGED_REASON = 300;

/**
 * One client's socket: closes it at most once, with a code and a reason, and logs that once;
 * counts its requests in flight; drops it when it stops reading or stops answering pings.
 */
export class Connection {
  inFlight = 0;
  inFlightBytes = 0;
  /** Whether it answered the last ping (or sent anything since). */
  alive = true;
  private ended = false;

  constructor(
    readonly socket: WebSocket,
    /** `client #3 (127.0.0.1:50412)`: how the log names it. */
    readonly label: string,
    private readonly limits: ServeLimits,
    private readonly log: (line: string) => void,
  ) {
    // ws closes a connection whose frames break the protocol with the status code alone, then
    // emits 'error'; this gives the peer a reason with the code.
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) =>
      close(code, reason ?? (code === undefined ? undefined : wsReason(code, limits)));
    socket.on('error', (err) => this.noteEnd(err.message));
    socket.on('pong', () => (this.alive = true));
    socket.on('message', () => (this.alive = true));
    socket.on('close', () => (this.ended = true));
  }

  get open(): boolean {
    return !this.ended && this.socket.readyState === this.socket.OPEN;
  }

  /** Closes with `code` and `reason` (cut to the 123 bytes a close frame holds); logs once. */
  close(code: number, reason: string): void {
    this.noteEnd(`${truncate(reason, LOGGED_REASON)} (${code})`);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, truncate(reason));
  }

  /** Drops the socket without a closing handshake (a client that does not read would never get one). */
  drop(reason: string): void {
    this.noteEnd(reason);
    this.socket.terminate();
  }

  /**
   * Queues a frame; drops the connection instead when the client has left more than
   * `maxBacklogBytes` unread. Returns whether the frame was queued.
   */
  send(frame: Uint8Array): boolean {
    if (!this.open) return false;
    const queued = this.socket.bufferedAmount;
    if (queued > this.limits.maxBacklogBytes) {
      this.drop(
        `client too slow: ${mib(queued)} of replies unread (limit ${mib(this.limits.maxBacklogBytes)})`,
      );
      return false;
    }
    this.socket.send(frame);
    return true;
  }

  /** One heartbeat tick: drops a connection that did not answer the previous ping, pings it again. */
  heartbeat(): void {
    if (!this.open) return;
    if (!this.alive) {
      this.drop(`no answer to a ping within ${this.limits.heartbeatMs / 1000} s`);
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private noteEnd(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.log(`serve: closed ${this.label}: ${truncate(why, LOGGED_REASON)}`);
  }
}

/** The reason sent with a close ws starts itself (it passes only the code). */
function wsReason(code: number, limits: ServeLimits): string | undefined {
  if (code === CLOSE.protocolError) return 'WebSocket protocol error';
  if (code === CLOSE.invalidData) return 'invalid frame data';
  if (code === CLOSE.tooBig) return `message over ${mib(limits.maxFrameBytes)}`;
  return undefined;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;
}

/** WebSocket close reasons are limited to 123 bytes. */
export function truncate(reason: string, bytes = 123): string {
  const encoded = Buffer.from(reason);
  return encoded.length <= bytes
    ? reason
    : encoded
        .subarray(0, bytes - 3)
        .toString('utf8')
        .replace(/\uFFFD$/, '') + '…';
}
