// First, before any schema is built: the page runs under a CSP without 'unsafe-eval', so zod must
// use its interpreter and never probe `new Function` (zod-config.ts).
import './zod-config';
import { createAtlasApi, type AtlasApi } from './atlas-api';
import type { Outcome } from './envelope';
import { ServerMessage, type RequestMessage } from './envelope';
import { AtlasError } from './errors';
import { decodeFrame, encodeFrame } from './framing';
import type { EventName, MethodName } from './names';
import { describeIssues, parseEvent, parseParams } from './validate';

/**
 * The browser's side of `serve`: the same AtlasApi the Electron preload exposes as `window.atlas`,
 * over a WebSocket with binary frames (framing.ts). Browser-safe: it uses only the standard
 * WebSocket API, so the renderer imports it directly; tests pass the `ws` package's WebSocket.
 */

/** The parts of the standard WebSocket this client uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: 'open' | 'close' | 'error' | 'message',
    listener: (event: { data?: unknown }) => void,
  ): void;
}
export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface WsClientOptions {
  /** Full `ws://host:port/atlas?token=…` URL; default: derived from the page's location. */
  url?: string;
  /** WebSocket constructor; default: the global one (browsers, Node ≥ 22). */
  WebSocket?: WebSocketFactory;
  /** Milliseconds to wait for the connection. */
  connectTimeoutMs?: number;
}

export interface AtlasWsClient extends AtlasApi {
  close(): void;
  readonly connected: boolean;
}

/** The socket path `serve` accepts. */
export const WS_PATH = '/atlas';

/** `ws://host/atlas?token=…` for a page served at `http://host/?token=…`. */
export function wsUrlFromLocation(location: {
  protocol: string;
  host: string;
  search: string;
}): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}?token=${encodeURIComponent(token)}`;
}

/**
 * Connects to `serve`. Resolves once the socket is open; rejects when it cannot open (a wrong
 * token is refused at the upgrade, which a browser reports only as a failed connection).
 */
export function connectAtlas(options: WsClientOptions = {}): Promise<AtlasWsClient> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
  if (!Ctor) throw new Error('no WebSocket implementation available');
  const location = (globalThis as { location?: { protocol: string; host: string; search: string } })
    .location;
  const url = options.url ?? (location ? wsUrlFromLocation(location) : undefined);
  if (!url) throw new Error('connectAtlas needs a url outside a browser page');

  const socket = new Ctor(url);
  socket.binaryType = 'arraybuffer';
  const pending = new Map<number, (outcome: Outcome) => void>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let open = false;
  let closed = false;

  const emit = (event: EventName, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };

  const fail = (message: string) => {
    for (const resolve of pending.values())
      resolve({ ok: false, error: { code: 'unavailable', message } });
    pending.clear();
  };

  socket.addEventListener('message', ({ data }) => {
    let message: ServerMessage;
    try {
      const parsed = ServerMessage.safeParse(decodeFrame(data as ArrayBuffer));
      if (!parsed.success) throw new Error(describeIssues(parsed.error));
      message = parsed.data;
    } catch (err) {
      emit('hostError', {
        role: 'connection',
        message: `bad message from the server: ${(err as Error).message}`,
      });
      return;
    }
    if (message.type === 'event') {
      try {
        emit(message.event, parseEvent(message.event, message.payload));
      } catch (err) {
        emit('hostError', { role: 'connection', message: (err as Error).message });
      }
      return;
    }
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    resolve?.(
      message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error },
    );
  });

  const invoke = async (method: MethodName, params: unknown): Promise<Outcome> => {
    try {
      // Checked here too, so a bad call fails at once with the same message the server would give.
      params = parseParams(method, params);
    } catch (err) {
      return { ok: false, error: AtlasError.from(err).toInfo() };
    }
    if (!open || closed)
      return { ok: false, error: { code: 'unavailable', message: 'not connected to the server' } };
    const id = nextId++;
    const request: RequestMessage = { type: 'request', id, method, params };
    return new Promise<Outcome>((resolve) => {
      pending.set(id, resolve);
      socket.send(encodeFrame(request));
    });
  };

  const subscribe = (event: EventName, listener: (payload: unknown) => void) => {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event)!.add(listener);
    return () => void listeners.get(event)?.delete(listener);
  };

  const api = createAtlasApi(invoke, subscribe);
  // defineProperty, not Object.assign: assign would copy the getter's value once (false).
  const client = Object.defineProperties(api, {
    close: {
      value: () => {
        closed = true;
        socket.close(1000, 'client closed');
      },
    },
    connected: { get: () => open && !closed, enumerable: true },
  }) as AtlasWsClient;

  return new Promise<AtlasWsClient>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new AtlasError('unavailable', `could not connect to ${redact(url)} in time`));
      socket.close();
    }, options.connectTimeoutMs ?? 15_000);
    socket.addEventListener('open', () => {
      open = true;
      clearTimeout(timer);
      resolve(client);
    });
    socket.addEventListener('error', () => {
      if (open) return;
      clearTimeout(timer);
      reject(
        new AtlasError('refused', `could not connect to ${redact(url)} (is the token right?)`),
      );
    });
    socket.addEventListener('close', () => {
      const wasOpen = open;
      open = false;
      fail('the connection to the server closed');
      if (wasOpen && !closed)
        emit('hostError', { role: 'connection', message: 'the connection to the server closed' });
      closed = true;
    });
  });
}

function redact(url: string): string {
  return url.replace(/token=[^&]*/, 'token=…');
}
