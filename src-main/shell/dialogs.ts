import path from 'node:path';
import type { DialogProvider } from '../host/process/supervisor';
import type { BrowserWindowLike, DialogLike } from './electron-types';
import type { PathGrants } from '../access/path-grants';

/**
 * Native dialogs for the page; whatever the user picks is granted for this session (path-grants.ts):
 * a chosen folder or checkpoint may be read, with everything under it; a save path may be written.
 */
export function dialogProvider(
  dialog: DialogLike,
  window: () => BrowserWindowLike | undefined,
  grants: PathGrants,
  defaults: { documents: string },
): DialogProvider {
  const parent = () => {
    const win = window();
    if (!win) throw new Error('no window to attach the dialog to');
    return win;
  };
  return {
    async chooseFolder({ title }) {
      const result = await dialog.showOpenDialog(parent(), {
        title: title ?? 'Choose a folder of images',
        properties: ['openDirectory', 'dontAddToRecent'],
      });
      const chosen = result.canceled ? undefined : result.filePaths[0];
      return { path: chosen ? await grants.grant(chosen, 'folder') : null };
    },
    async chooseCheckpoint({ title }) {
      const result = await dialog.showOpenDialog(parent(), {
        title: title ?? 'Choose a checkpoint folder',
        buttonLabel: 'Import',
        properties: ['openDirectory', 'dontAddToRecent'],
      });
      const chosen = result.canceled ? undefined : result.filePaths[0];
      return { path: chosen ? await grants.grant(chosen, 'folder') : null };
    },
    async chooseSavePath({ title, kind, defaultName }) {
      const ext = kind === 'png' ? 'png' : 'npy';
      const result = await dialog.showSaveDialog(parent(), {
        title: title ?? (kind === 'png' ? 'Export images' : 'Export array'),
        defaultPath: path.join(defaults.documents, defaultName ?? `latent-atlas.${ext}`),
        filters: [{ name: kind === 'png' ? 'PNG image' : 'NumPy array', extensions: [ext] }],
      });
      const chosen = result.canceled ? undefined : result.filePath;
      return { path: chosen ? await grants.grant(chosen, 'file') : null };
    },
  };
}
