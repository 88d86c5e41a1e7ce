import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../api/client-ws';
import { forkLauncher } from '../host/fork-launcher';
import type { HostLauncher } from '../host/launcher';
import { defaultDemoDir, defaultLibraryDir, defaultRendererDir } from '../host/paths';
import { Supervisor } from '../host/supervisor';
import { contentSecurityPolicy, SECURITY_HEADERS } from './csp';
import { hostAllowed, isLoopback, originAllowed, tokenOf } from './request-checks';
import { placeholderPage, readStatic } from './static-files';
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
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  token: string;
  host: string;
  port: number;
  supervisor: Supervisor;
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

  const supervisor = new Supervisor({
    libraryDir: options.libraryDir ?? defaultLibraryDir(),
    demoDir: options.demoDir === undefined ? defaultDemoDir() : options.demoDir,
    launcher: options.launcher ?? forkLauncher(),
    transport: 'websocket',
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
    const csp = contentSecurityPolicy({
      connect: [`ws://${req.headers.host}`, `wss://${req.headers.host}`],
    });
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

  const wss = new WebSocketServer({ noServer: true, maxPayload: 512 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!hostAllowed(req, host)) return refuse(421, 'Misdirected Request');
    if (!tokenMatches(token, tokenOf(req))) return refuse(401, 'Unauthorized');
    if (!originAllowed(req)) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const unbridge = bridgeWebSockets(wss, supervisor);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
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
