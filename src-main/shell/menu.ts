import type { MenuItemTemplate } from './electron-types';

export interface MenuActions {
  importDataset(): void;
  importCheckpoint(): void;
  /** Shows a remote engine's page (the URL `latent-atlas serve` printed, from the clipboard). */
  connectEngine(): void;
  openLibraryFolder(): void;
  about(): void;
}

/** The application menu: File actions that need native dialogs, the standard Edit/View/Window. */
export function menuTemplate(
  actions: MenuActions,
  options: { isMac: boolean; dev: boolean },
): MenuItemTemplate[] {
  const file: MenuItemTemplate = {
    label: 'File',
    submenu: [
      {
        label: 'Import Image Folder as Dataset…',
        accelerator: 'CmdOrCtrl+Shift+O',
        click: actions.importDataset,
      },
      { label: 'Import Checkpoint…', accelerator: 'CmdOrCtrl+O', click: actions.importCheckpoint },
      { type: 'separator' },
      { label: 'Connect to Engine…', click: actions.connectEngine },
      { type: 'separator' },
      { label: 'Show Model Library Folder', click: actions.openLibraryFolder },
      { type: 'separator' },
      options.isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemTemplate = {
    label: 'View',
    submenu: [
      ...(options.dev
        ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' as const }]
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemTemplate = {
    role: 'help',
    submenu: [{ label: 'About Latent Atlas', click: actions.about }],
  };
  return [
    ...(options.isMac ? [{ role: 'appMenu' }] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    help,
  ];
}
