import type { IncomingMessage } from 'node:http';

/**
 * Who may talk to `serve`. The token keeps out other local users and pages; the Host check keeps
 * out DNS-rebinding pages when bound to loopback; the Origin check keeps a page from another
 * origin from opening the socket even with a leaked token.
 */
export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/** When bound to loopback, the Host header must name loopback (a rebinding page's would not). */
export function hostAllowed(req: IncomingMessage, boundHost: string): boolean {
  if (!isLoopback(boundHost)) return true;
  const header = req.headers.host;
  if (!header) return false;
  const hostname = header.startsWith('[')
    ? header.slice(0, header.indexOf(']') + 1)
    : header.split(':')[0];
  return isLoopback(hostname);
}

/**
 * A browser always sends Origin on a WebSocket handshake: it must be this server's own origin.
 * Non-browser clients (scripts, tests) send none and are judged by the token alone.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

export function tokenOf(req: IncomingMessage): string | null {
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token');
}
