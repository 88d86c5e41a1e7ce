import { placeholderPage, readStatic } from '../web/static-files';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../web/csp';
import { APP_HOST, APP_SCHEME } from './sender';

/** How `atlas://` is registered before the app is ready: a standard, secure origin of its own. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

/**
 * Answers `atlas://app/...` from the built renderer: the page comes from its own origin rather
 * than file:// (checklist: custom protocol), with the strict CSP on every response. Paths that
 * leave the renderer folder, other hosts and other methods are refused.
 */
export async function appResponse(request: Request, rendererDir: string): Promise<Response> {
  const url = new URL(request.url);
  const text = (status: number, body: string) =>
    new Response(body, {
      status,
      headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    });
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return text(404, 'not found');
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
  const headers = { ...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy() };
  const file = await readStatic(rendererDir, url.pathname);
  if (file)
    return new Response(new Uint8Array(file.body), {
      status: 200,
      headers: { ...headers, 'Content-Type': file.type },
    });
  if (url.pathname === '/' || url.pathname === '/index.html') {
    return new Response(placeholderPage(rendererDir), {
      status: 200,
      headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
    });
  }
  return text(404, 'not found');
}
