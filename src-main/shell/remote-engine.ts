import type { BrowserWindowOptions, MessageBoxOptions } from './electron-types';

/**
 * File → Connect to Engine…: the desktop app shows the page of a `latent-atlas serve` running
 * elsewhere (a GPU box, usually through an SSH tunnel), exactly as a browser would.
 *
 * The remote page gets a window of its own, with the app's hardened webPreferences but *no
 * preload*: it reaches its engine the way it does in a browser (a WebSocket to the server that
 * sent it, under that server's CSP, token and Origin checks), and never the local engine (no
 * `window.atlas`; IPC from it would fail the sender check anyway, which accepts only
 * atlas://app). Navigation stays within the engine's origin; new windows are denied.
 *
 * The URL is the one `serve` printed, pasted: the app reads it from the clipboard and asks before
 * connecting, so no text field and no IPC channel are added for it.
 */

export interface EngineUrl {
  /** The page to load: `<origin>/?token=…`. */
  url: string;
  /** `http://127.0.0.1:8080`: where navigation may go. */
  origin: string;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\])$/i;

/**
 * The serve URL in `text`, checked: http(s) only, with a token; plain http only to this machine
 * (an SSH tunnel's end), since it would carry the token unencrypted over a network. Returns the
 * reason when it is not one.
 */
export function parseEngineUrl(text: string): EngineUrl | { error: string } {
  const trimmed = text.trim();
  if (!trimmed) return { error: 'the clipboard holds no URL' };
  if (trimmed.length > 2048 || /\s/.test(trimmed))
    return { error: 'the clipboard holds something other than one URL' };
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return { error: `"${shorten(trimmed)}" is not a URL` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { error: `${parsed.protocol} URLs are not engines (expected http:// or https://)` };
  if (parsed.username || parsed.password)
    return { error: 'the URL carries a user name or password; serve URLs do not' };
  const token = parsed.searchParams.get('token');
  if (!token || !/^[A-Za-z0-9_-]{16,128}$/.test(token))
    return { error: 'the URL has no token (copy the whole URL that latent-atlas serve printed)' };
  if (parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname)) {
    return {
      error: `plain http to ${parsed.hostname} would send the token unencrypted: use an SSH tunnel (ssh -L 8080:127.0.0.1:8080 host) and its 127.0.0.1 URL, or https`,
    };
  }
  return { url: `${parsed.origin}/?token=${token}`, origin: parsed.origin };
}

/** True when `url` lies within the remote engine's origin. */
export function isWithinOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/**
 * The Electron checklist's webPreferences for every window of the app (SECURITY.md): isolated,
 * sandboxed, no Node anywhere, no insecure content, no webviews. The app's own window adds its
 * preload; a remote engine's page gets none.
 */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** The remote page's window: the app's webPreferences without the preload. */
export function remoteWindowOptions(
  origin: string,
  size: { width: number; height: number },
): BrowserWindowOptions {
  return {
    width: size.width,
    height: size.height,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: `Latent Atlas — engine at ${new URL(origin).host}`,
    backgroundColor: '#101114',
    webPreferences: { ...SECURE_WEB_PREFERENCES },
  };
}

/** The question asked before connecting, or the explanation when the clipboard holds no URL. */
export function connectPrompt(found: EngineUrl | { error: string }): MessageBoxOptions {
  if ('error' in found) {
    return {
      type: 'info',
      title: 'Connect to Engine',
      message: 'Copy the engine’s URL first',
      detail: `On the machine with the engine, run latent-atlas serve and copy the URL it prints (through an SSH tunnel: ssh -L 8080:127.0.0.1:8080 host, then serve --port 8080 there). Then choose File → Connect to Engine… again.\n\nNot connected: ${found.error}.`,
      buttons: ['OK'],
    };
  }
  return {
    type: 'question',
    title: 'Connect to Engine',
    message: `Connect to the engine at ${new URL(found.origin).host}?`,
    detail:
      'Its page opens in a new window and works as in a browser: models, training and uploads are that engine’s. Whoever runs it sees what you send it.',
    buttons: ['Connect', 'Cancel'],
    defaultId: 0,
    cancelId: 1,
  };
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
