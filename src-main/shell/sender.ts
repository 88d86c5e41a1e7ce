import type { IpcMainInvokeEventLike, WebFrameMainLike } from './electron-types';

/** The page's own origin: a custom protocol, never file:// (checklist: custom protocol). */
export const APP_SCHEME = 'atlas';
export const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True when `url` is a page of the app itself (atlas://app/...). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Electron checklist item 17: validate the sender of every IPC message. Only the top frame of a
 * window we created, showing the app's own page, may call the engine: not an iframe, not a page
 * navigated elsewhere, not a destroyed frame.
 */
export function isTrustedSender(
  event: IpcMainInvokeEventLike,
  trustedWebContents: (id: number) => boolean,
): boolean {
  const frame: WebFrameMainLike | null = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null) return false;
  if (!isAppUrl(frame.url)) return false;
  return trustedWebContents(event.sender.id);
}
