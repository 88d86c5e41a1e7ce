import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../api/client-ws';
import { forkLauncher } from '../host/process/fork-launcher';
import type { HostLauncher } from '../host/process/launcher';
import { defaultDemoDir, defaultLibraryDir, defaultRendererDir } from '../host/library/paths';
import { Supervisor } from '../host/process/supervisor';
import type { UploadLimits } from '../host/library/uploads';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../web/csp';
import { serveLimits, type ServeLimits } from './limits';
import { ServePathPolicy, type ServeFolders } from './path-policy';
import { hostAllowed, isLoopback, originAllowed, tokenOf } from './request-checks';
import { placeholderPage, readStatic } from '../web/static-files';
import { newToken, tokenMatches } from './token';
import { bridgeWebSockets } from './ws-bridge';

export interface ServerOptions {
  /** Interface to bind; default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** Access token; default: 32 random bytes. */
  token?: string;
  /** The built renderer; default dist/renderer. A placeholder page is served when it is absent. */
  rendererDir?: string;
  /** The model library; default the desktop app's (`<user data>/models`). */
  libraryDir?: string;
  /** Demo checkpoints seeded into an empty library; default resources/demo. */
  demoDir?: string | null;
  /** How engine processes start; default Node child processes. */
  launcher?: HostLauncher;
  /** Where warnings go; default stderr. */
  warn?: (line: string) => void;
  /** Start the inference host (and seed the library) now rather than on the first request. */
  warm?: boolean;
  /**
   * Folders beyond the library that the page may read from and export into (`--allow-dir`);
   * see path-policy.ts.
   */
  allowDirs?: readonly string[];
  /** Limits on what each client may hold; default DEFAULT_LIMITS (limits.ts). */
  limits?: Partial<ServeLimits>;
  /** Caps on files uploaded from the page; default DEFAULT_UPLOAD_LIMITS (host/library/uploads.ts). */
  uploadLimits?: Partial<UploadLimits>;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  token: string;
  host: string;
  port: number;
  supervisor: Supervisor;
  /** The library and the folders in it the page reads and writes. */
  folders: ServeFolders;
  /** Folders the page may read from, and export into. */
  readable: string[];
  writable: string[];
  limits: ServeLimits;
  /** WebSocket connections open now. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * `latent-atlas serve`: the built renderer over HTTP and the contract over a WebSocket, on
 * loopback by default, behind a random token checked on the page request and on the socket
 * upgrade (together with Host and Origin).
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir());
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (token.length < 16) throw new Error('the access token must be at least 16 characters');
  const limits = serveLimits(options.limits);
  const libraryDir = options.libraryDir ?? defaultLibraryDir();
  const policy = await ServePathPolicy.create(libraryDir, options.allowDirs);

  // Set once the port is known, before the first request can arrive.
  let csp = contentSecurityPolicy();

  const supervisor = new Supervisor({
    libraryDir,
    demoDir: options.demoDir === undefined ? defaultDemoDir() : options.demoDir,
    launcher: options.launcher ?? forkLauncher(),
    transport: 'websocket',
    uploadLimits: options.uploadLimits,
  });

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((err) => {
      if (!res.headersSent)
        send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(err as Error).message}\n`);
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, host))
      return send(res, 421, 'text/plain; charset=utf-8', 'unexpected Host header\n');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!tokenMatches(token, tokenOf(req))) {
        return send(
          res,
          401,
          'text/plain; charset=utf-8',
          'missing or wrong token: open the URL that `latent-atlas serve` printed\n',
        );
      }
      const index = path.join(rendererDir, 'index.html');
      const body = await readFile(index).catch(() => Buffer.from(placeholderPage(rendererDir)));
      return send(res, 200, 'text/html; charset=utf-8', body, {
        'Content-Security-Policy': csp,
        'Cache-Control': 'no-store',
      });
    }
    if (url.pathname === WS_PATH)
      return send(res, 426, 'text/plain; charset=utf-8', 'WebSocket upgrade required\n');
    // Assets (hashed bundles, icons) are not secret; the page and the socket are what the token guards.
    const file = await readStatic(rendererDir, url.pathname);
    if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    return send(res, 200, file.type, file.body, { 'Content-Security-Policy': csp });
  }

  // Slow-header clients are cut off; a socket's own limits are in ws-bridge.ts.
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.headersTimeoutMs * 3;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    // Compression would let a small frame inflate past maxPayload's intent; frames are binary anyway.
    perMessageDeflate: false,
  });
  let refusingForLoad = false;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without an error listener: a client resetting it mid-handshake
    // would otherwise crash the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!hostAllowed(req, host)) return refuse(421, 'Misdirected Request');
    if (!tokenMatches(token, tokenOf(req))) return refuse(401, 'Unauthorized');
    if (!originAllowed(req)) return refuse(403, 'Forbidden');
    // handleUpgrade completes at once (no verifyClient, no compression to negotiate), so
    // wss.clients counts every socket accepted so far.
    if (wss.clients.size >= limits.maxConnections) {
      // Logged once per episode, not once per refused client of a flood.
      if (!refusingForLoad)
        warn(`serve: refusing connections: ${limits.maxConnections} open (the limit)`);
      refusingForLoad = true;
      return refuse(503, 'Service Unavailable');
    }
    refusingForLoad = false;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const unbridge = bridgeWebSockets(wss, {
    invoke: policy.guard(supervisor.invoke),
    onEvent: (listener) => supervisor.onEvent(listener),
    limits,
    log: warn,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // Built from the address serve listens on, never from a request's Host header.
  csp = contentSecurityPolicy({ connect: socketOrigins(host, port) });
  if (options.warm ?? true) {
    supervisor.inference
      .backend()
      .catch((err: Error) => warn(`warning: the engine did not start: ${err.message}`));
  }
  const shownHost =
    host === '0.0.0.0' || host === '::' ? os.hostname() : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/?token=${token}`;
  if (!isLoopback(host)) {
    warn(
      `warning: serving on ${host}, not loopback: anyone who can reach this machine and has the token can drive the engine, over unencrypted HTTP. Prefer the default and an SSH tunnel (ssh -L ${port}:127.0.0.1:${port} <this machine>).`,
    );
  }

  return {
    url,
    token,
    host,
    port,
    supervisor,
    folders: policy.folders,
    readable: policy.readable,
    writable: policy.writable,
    limits,
    get connections() {
      return wss.clients.size;
    },
    async close() {
      unbridge();
      for (const client of wss.clients) client.terminate();
      wss.close();
      supervisor.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Where the page may open its socket: this server's own address (and, on loopback, `localhost`,
 * which the Host check also accepts), for browsers whose CSP 'self' does not cover ws:. IPv6
 * literals are left to 'self': CSP source expressions cannot hold them (Chromium ignores
 * `ws://[::1]:port` with a warning).
 */
function socketOrigins(host: string, port: number): string[] {
  const names = isLoopback(host)
    ? [host, 'localhost']
    : host === '0.0.0.0' || host === '::'
      ? [os.hostname()]
      : [host];
  return [...new Set(names)]
    .filter((name) => !name.includes(':') && !name.startsWith('['))
    .flatMap((name) => [`ws://${name}:${port}`, `wss://${name}:${port}`]);
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
