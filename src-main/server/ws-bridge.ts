import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { ClientMessage, type Outcome, type ServerMessage } from '../api/envelope';
import { AtlasError } from '../api/errors';
import { decodeFrame, encodeFrame } from '../api/framing';
import type { EventName, MethodName } from '../api/names';
import { describeIssues } from '../api/validate';
import { CLOSE, Connection, truncate } from './connection';
import type { ServeLimits } from './limits';

/** Events a slow client may miss (the next one supersedes them); the rest always go out. */
const DROPPABLE: ReadonlySet<EventName> = new Set(['trainingStep', 'trainingLatents']);
/** Bytes queued on a socket beyond which droppable events are skipped for it. */
const DROPPABLE_BACKLOG = 32 * 1024 * 1024;
/** Longest error message the bridge itself puts in a reply (zod can list a key per key sent). */
const MAX_ERROR_MESSAGE = 2_000;

export interface BridgeOptions {
  /** Answers one request (the supervisor's invoke, behind serve's path policy). */
  invoke(method: MethodName, params: unknown): Promise<Outcome>;
  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void;
  limits: ServeLimits;
  log(line: string): void;
}

/**
 * Carries the contract over WebSocket connections: binary frames in (requests), binary frames out
 * (replies and every event, broadcast). Whatever a client sends, only its own connection suffers:
 * bytes that are not a frame close it with the reason, a frame with a bad envelope or bad params
 * gets an error reply naming the problem, too many requests at once get `busy`, a client that
 * stops reading or answering pings is dropped. Returns the function that stops it.
 */
export function bridgeWebSockets(wss: WebSocketServer, options: BridgeOptions): () => void {
  const { limits, log } = options;
  const connections = new Set<Connection>();
  let totalInFlightBytes = 0;
  let counter = 0;

  const unsubscribe = options.onEvent((event, payload) => {
    if (connections.size === 0) return;
    const frame = encodeFrame({ type: 'event', event, payload } satisfies ServerMessage);
    for (const connection of connections) {
      if (DROPPABLE.has(event) && connection.socket.bufferedAmount > DROPPABLE_BACKLOG) continue;
      connection.send(frame);
    }
  });

  const heartbeat =
    limits.heartbeatMs > 0
      ? setInterval(() => {
          for (const connection of connections) connection.heartbeat();
        }, limits.heartbeatMs)
      : undefined;
  heartbeat?.unref();

  const onConnection = (socket: WebSocket, req: IncomingMessage) => {
    const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const connection = new Connection(socket, `client #${++counter} (${peer})`, limits, log);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
    socket.on('message', (data, isBinary) => {
      handle(connection, data, isBinary).catch((err: Error) => {
        // Nothing above should throw; if it does, this client alone pays.
        connection.close(CLOSE.policyViolation, `internal error: ${err.message}`);
      });
    });
  };
  wss.on('connection', onConnection);

  async function handle(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (!isBinary) return connection.close(CLOSE.unsupportedData, 'binary frames only');
    const bytes = toBytes(data);
    let raw: unknown;
    try {
      raw = decodeFrame(bytes);
    } catch (err) {
      return connection.close(CLOSE.invalidData, (err as Error).message);
    }
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success) {
      const message = `invalid request: ${describeIssues(parsed.error)}`;
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
        return reply(connection, id, {
          ok: false,
          error: { code: 'invalid-message', message: truncate(message, MAX_ERROR_MESSAGE) },
        });
      }
      return connection.close(CLOSE.policyViolation, message);
    }
    const { id, method, params } = parsed.data;
    const size = bytes.byteLength;
    const busy = busyReason(connection, size);
    if (busy) return reply(connection, id, { ok: false, error: { code: 'busy', message: busy } });

    connection.inFlight++;
    connection.inFlightBytes += size;
    totalInFlightBytes += size;
    let outcome: Outcome;
    try {
      outcome = await options.invoke(method, params);
    } catch (err) {
      outcome = { ok: false, error: AtlasError.from(err).toInfo() };
    } finally {
      connection.inFlight--;
      connection.inFlightBytes -= size;
      totalInFlightBytes -= size;
    }
    reply(connection, id, outcome);
  }

  function busyReason(connection: Connection, size: number): string | null {
    if (connection.inFlight >= limits.maxInFlight)
      return `busy: ${connection.inFlight} requests in flight on this connection (limit ${limits.maxInFlight}); wait for replies before sending more`;
    if (connection.inFlightBytes + size > limits.maxInFlightBytes)
      return `busy: this connection's requests in flight would hold ${connection.inFlightBytes + size} bytes (limit ${limits.maxInFlightBytes}); wait for replies before sending more`;
    if (totalInFlightBytes + size > limits.maxTotalInFlightBytes)
      return `busy: the server holds ${totalInFlightBytes} bytes of requests in flight (limit ${limits.maxTotalInFlightBytes}); try again shortly`;
    return null;
  }

  return () => {
    unsubscribe();
    if (heartbeat) clearInterval(heartbeat);
    wss.off('connection', onConnection);
  };
}

function reply(connection: Connection, id: number, outcome: Outcome): void {
  if (!connection.open) return;
  let frame: Uint8Array;
  try {
    frame = encodeFrame({ type: 'reply', id, ...outcome } satisfies ServerMessage);
  } catch (err) {
    // A result that cannot be framed is a bug; tell the caller instead of leaving it waiting.
    const error = { code: 'internal' as const, message: (err as Error).message };
    frame = encodeFrame({ type: 'reply', id, ok: false, error } satisfies ServerMessage);
  }
  connection.send(frame);
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
