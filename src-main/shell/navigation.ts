import type { WebContentsLike } from './electron-types';
import { isAppUrl } from './sender';

/**
 * Checklist items 13–15: the window never navigates away from the app, opens no new windows and
 * attaches no <webview>. Links to the web go to the user's browser instead (https only).
 */
export function guardNavigation(
  contents: WebContentsLike,
  openExternal: (url: string) => void,
  /** Where this window may go: the app's pages, or (a remote engine's window) that engine's. */
  mayNavigate: (url: string) => boolean = isAppUrl,
): void {
  const block = (event: { preventDefault(): void }, url: string) => {
    if (!mayNavigate(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => block(event, url ?? event.url));
  contents.on('will-redirect', (event, url) => block(event, url ?? event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) openExternal(url);
    return { action: 'deny' };
  });
}

export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
