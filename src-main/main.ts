import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_EVENT_CHANNEL } from './api/names';
import { Supervisor } from './host/process/supervisor';
import { APP_SCHEME_PRIVILEGES, appResponse } from './shell/app-protocol';
import { dialogProvider } from './shell/dialogs';
import type { BrowserWindowLike, ElectronMainModule } from './shell/electron-types';
import { registerIpcHandlers } from './shell/ipc-handlers';
import { menuTemplate } from './shell/menu';
import { guardNavigation } from './shell/navigation';
import { PathGrants } from './access/path-grants';
import {
  connectPrompt,
  isWithinOrigin,
  parseEngineUrl,
  remoteWindowOptions,
  SECURE_WEB_PREFERENCES,
} from './shell/remote-engine';
import { APP_SCHEME, APP_URL, isAppUrl, isTrustedSender } from './shell/sender';
import { utilityLauncher } from './shell/utility-launcher';
import { fitToDisplays, loadWindowState, saveWindowState } from './shell/window-state';

/**
 * The Electron main process: wiring only. Everything it wires is a module tested without Electron
 * (src-main/shell, src-main/host). Electron is loaded with a synchronous require so the scheme is
 * registered before 'ready' (an await first could let 'ready' pass in an ES module main).
 */
const electron = createRequire(import.meta.url)('electron') as ElectronMainModule;
const {
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  dialog,
  Menu,
  utilityProcess,
  shell,
  screen,
  session,
  clipboard,
} = electron;

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/main
const dist = path.dirname(here);
const rendererDir = path.join(dist, 'renderer');
const preload = path.join(here, 'preload.cjs');
const hostEntry = path.join(dist, 'host', 'host.js');
// Packaged, resources/ ships as extra resources next to app.asar (electron-builder.yml).
const resourcesPath = (process as unknown as { resourcesPath: string }).resourcesPath;
const demoDir = app.isPackaged
  ? path.join(resourcesPath, 'demo')
  : path.join(dist, '..', 'resources', 'demo');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  app.enableSandbox();
  await app.whenReady();

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
  protocol.handle(APP_SCHEME, (request) => appResponse(request, rendererDir));
  /** Windows showing a remote engine's page (webContents id → that engine's origin). */
  const remote = new Map<number, string>();
  app.on('web-contents-created', (_event, contents) =>
    guardNavigation(
      contents,
      (url) => void shell.openExternal(url),
      (url) => {
        const origin = remote.get(contents.id);
        return origin === undefined ? isAppUrl(url) : isWithinOrigin(url, origin);
      },
    ),
  );

  const libraryDir = path.join(app.getPath('userData'), 'models');
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const grants = new PathGrants();
  const trusted = new Set<number>();
  let mainWindow: BrowserWindowLike | undefined;

  const supervisor = new Supervisor({
    libraryDir,
    demoDir,
    launcher: utilityLauncher(utilityProcess, hostEntry),
    transport: 'electron',
    dialogs: dialogProvider(dialog, () => mainWindow, grants, {
      documents: app.getPath('documents'),
    }),
  });
  registerIpcHandlers({
    ipcMain,
    isTrusted: (event) => isTrustedSender(event, (id) => trusted.has(id)),
    invoke: supervisor.invoke,
    grants,
  });
  supervisor.onEvent((event, payload) => {
    if (mainWindow && !mainWindow.isDestroyed())
      mainWindow.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
  });

  const importWith = async (
    choose: 'chooseFolder' | 'chooseCheckpoint',
    method: 'importFolderDataset' | 'importModel',
  ) => {
    const chosen = await supervisor.invoke(choose, {});
    const target = chosen.ok ? (chosen.result as { path: string | null }).path : null;
    if (!target) return;
    const outcome = await supervisor.invoke(method, { path: target });
    if (!outcome.ok) dialog.showErrorBox('Import failed', outcome.error.message);
  };
  // File → Connect to Engine…: the remote page in a window of its own, without the preload
  // (shell/remote-engine.ts); it talks to its engine over a WebSocket as in a browser.
  const connectEngine = async () => {
    const found = parseEngineUrl(clipboard.readText());
    const { response } = await dialog.showMessageBox(mainWindow, connectPrompt(found));
    if ('error' in found || response !== 0) return;
    const win = new BrowserWindow(remoteWindowOptions(found.origin, { width: 1280, height: 800 }));
    remote.set(win.webContents.id, found.origin);
    const id = win.webContents.id;
    win.on('closed', () => remote.delete(id));
    win.once('ready-to-show', () => win.show());
    win.loadURL(found.url).catch((err: Error) => {
      dialog.showErrorBox('Connect to Engine', `Cannot reach ${found.origin}: ${err.message}`);
      if (!win.isDestroyed()) win.close();
    });
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        {
          importDataset: () => void importWith('chooseFolder', 'importFolderDataset'),
          importCheckpoint: () => void importWith('chooseCheckpoint', 'importModel'),
          connectEngine: () => void connectEngine(),
          openLibraryFolder: () => void shell.openPath(libraryDir),
          about: () => app.showAboutPanel(),
        },
        { isMac: process.platform === 'darwin', dev: !app.isPackaged },
      ),
    ),
  );

  const createWindow = () => {
    const state = fitToDisplays(
      loadWindowState(stateFile),
      screen.getAllDisplays().map((d) => d.workArea),
    );
    const win = new BrowserWindow({
      width: state.width,
      height: state.height,
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
      minWidth: 800,
      minHeight: 560,
      show: false,
      title: 'Latent Atlas',
      backgroundColor: '#101114',
      webPreferences: { preload, ...SECURE_WEB_PREFERENCES },
    });
    const id = win.webContents.id;
    trusted.add(id);
    mainWindow = win;
    if (state.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    win.on('close', () => {
      try {
        saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() });
      } catch {
        /* not worth failing a close over */
      }
    });
    win.on('closed', () => {
      trusted.delete(id);
      if (mainWindow === win) mainWindow = undefined;
    });
    void win.loadURL(APP_URL);
  };

  app.on('second-instance', () => {
    if (!mainWindow) return createWindow();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('activate', () => {
    if (!mainWindow) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => supervisor.close());
  createWindow();
  // Start the engine (and seed the library with the demos on first start) while the page loads.
  supervisor.inference.backend().catch(() => {});
}
