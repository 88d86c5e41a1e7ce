import type { WebSocket, WebSocketServer } from 'ws';
import { ClientMessage, type ServerMessage } from '../api/envelope';
import { decodeFrame, encodeFrame } from '../api/framing';
import type { EventName } from '../api/names';
import { describeIssues } from '../api/validate';
import type { Supervisor } from '../host/supervisor';

/** Events a slow client may miss (the next one supersedes them); the rest always go out. */
const DROPPABLE: ReadonlySet<EventName> = new Set(['trainingStep', 'trainingLatents']);
/** Bytes queued on a socket beyond which droppable events are skipped for it. */
const BACKLOG_LIMIT = 32 * 1024 * 1024;

/**
 * Carries the contract over WebSocket connections: binary frames in (requests), binary frames out
 * (replies and every event, broadcast). A request that is not even a frame closes the socket with
 * the reason; a frame with a bad envelope or bad params gets an error reply naming the problem.
 */
export function bridgeWebSockets(wss: WebSocketServer, supervisor: Supervisor): () => void {
  const unsubscribe = supervisor.onEvent((event, payload) => {
    if (wss.clients.size === 0) return;
    const frame = encodeFrame({ type: 'event', event, payload } satisfies ServerMessage);
    for (const client of wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (DROPPABLE.has(event) && client.bufferedAmount > BACKLOG_LIMIT) continue;
      client.send(frame);
    }
  });

  wss.on('connection', (socket: WebSocket) => {
    socket.on('message', async (data, isBinary) => {
      if (!isBinary) {
        socket.close(1003, 'binary frames only');
        return;
      }
      let raw: unknown;
      try {
        raw = decodeFrame(toBytes(data));
      } catch (err) {
        socket.close(1007, truncate((err as Error).message));
        return;
      }
      const parsed = ClientMessage.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown })?.id;
        if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
          const message = `invalid request: ${describeIssues(parsed.error)}`;
          reply(socket, {
            type: 'reply',
            id,
            ok: false,
            error: { code: 'invalid-message', message },
          });
        } else {
          socket.close(1008, truncate(`invalid request: ${describeIssues(parsed.error)}`));
        }
        return;
      }
      const { id, method, params } = parsed.data;
      const outcome = await supervisor.invoke(method, params);
      reply(
        socket,
        outcome.ok
          ? { type: 'reply', id, ok: true, result: outcome.result }
          : { type: 'reply', id, ok: false, error: outcome.error },
      );
    });
  });
  return unsubscribe;
}

function reply(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState !== socket.OPEN) return;
  try {
    socket.send(encodeFrame(message));
  } catch (err) {
    // A result that cannot be framed is a bug; tell the caller instead of leaving it waiting.
    if (message.type === 'reply') {
      socket.send(
        encodeFrame({
          type: 'reply',
          id: message.id,
          ok: false,
          error: { code: 'internal', message: (err as Error).message },
        }),
      );
    }
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** WebSocket close reasons are limited to 123 bytes. */
function truncate(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123
    ? reason
    : bytes
        .subarray(0, 120)
        .toString('utf8')
        .replace(/\uFFFD$/, '') + '…';
}
