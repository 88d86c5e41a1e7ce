import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import {
  connectAtlas,
  type AtlasWsClient,
  type WebSocketFactory,
} from '../../src-main/api/client-ws';

/**
 * A client that speaks WebSocket by hand: a real upgrade with the token, then any bytes at all, so
 * tests can send what no library would (reserved opcodes, unmasked frames, lying lengths).
 */
export interface RawSocket {
  socket: Socket;
  /** The client's port (how the server's log names it); kept, as the socket forgets it on close. */
  port: number;
  /** Everything the server sent after its 101 answer. */
  received(): Buffer;
  /** Resolves when the server (or the test) closes the TCP connection. */
  ended: Promise<void>;
  /** The close frame the server sent, if any. */
  closeFrame(): { code: number; reason: string } | null;
}

export function rawSocket(port: number, token: string): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let head = Buffer.alloc(0);
    let body = Buffer.alloc(0);
    let upgraded = false;
    let endedResolve: () => void;
    const ended = new Promise<void>((r) => (endedResolve = r));
    socket.on('error', () => {});
    socket.on('close', () => {
      endedResolve();
      if (!upgraded) reject(new Error(`no upgrade: ${head.toString('latin1').split('\r\n')[0]}`));
    });
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        body = Buffer.concat([body, chunk]);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!status.includes(' 101 ')) {
        socket.destroy();
        return;
      }
      upgraded = true;
      body = head.subarray(end + 4);
      resolve({
        socket,
        port: socket.localPort!,
        received: () => body,
        ended,
        closeFrame: () => parseClose(body),
      });
    });
    socket.write(
      [
        `GET /atlas?token=${encodeURIComponent(token)} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
  });
}

/** The first close frame (opcode 8) among the server's unmasked frames. */
export function parseClose(bytes: Buffer): { code: number; reason: string } | null {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let length = bytes[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > bytes.length) return null;
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > bytes.length) return null;
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) return null;
    if (opcode === 8) {
      const payload = bytes.subarray(start, start + length);
      return payload.length >= 2
        ? { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') }
        : { code: 1005, reason: '' };
    }
    at = start + length;
  }
  return null;
}

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  /** Clients must mask; false makes the protocol violation. */
  masked?: boolean;
  payload: Uint8Array;
  /** The length the header claims, when it should lie about the payload's. */
  declaredLength?: bigint;
}

/** One WebSocket frame as a client would write it (RFC 6455 §5.2). */
export function frame(spec: FrameSpec): Buffer {
  const { fin = true, rsv = 0, opcode, masked = true, payload } = spec;
  const length = spec.declaredLength ?? BigInt(payload.length);
  const header: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) header.push(maskBit | Number(length));
  else if (length < 65536n) {
    header.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    header.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  const key = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(header), extended, key, body]);
}

/** A well-behaved client: the one the page uses, over the `ws` package. */
export function goodClient(port: number, token: string): Promise<AtlasWsClient> {
  return connectAtlas({
    url: `ws://127.0.0.1:${port}/atlas?token=${token}`,
    WebSocket: WebSocket as unknown as WebSocketFactory,
  });
}

/** Resolves after `ms`, or when `promise` settles, whichever is first. */
export function within(promise: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => setTimeout(r, ms)),
  ]);
}
