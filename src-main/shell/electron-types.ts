/**
 * The slice of Electron's API the shell uses, as structural types. The electron package (and its
 * types) is an optional dependency that cannot be installed on build machines without internet,
 * so the shell is written and tested against these; the real objects satisfy them.
 */

export interface WebFrameMainLike {
  readonly url: string;
  readonly parent: WebFrameMainLike | null;
}

export interface IpcMainInvokeEventLike {
  readonly senderFrame: WebFrameMainLike | null;
  readonly sender: { readonly id: number };
}

export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown,
  ): void;
  removeHandler(channel: string): void;
}

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: unknown): void;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: { preventDefault(): void; url: string }, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  maximize(): void;
  restore(): void;
  focus(): void;
  close(): void;
  show(): void;
  loadURL(url: string): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface OpenDialogOptions {
  title?: string;
  defaultPath?: string;
  buttonLabel?: string;
  properties?: ('openFile' | 'openDirectory' | 'createDirectory' | 'dontAddToRecent')[];
  filters?: { name: string; extensions: string[] }[];
}

export interface SaveDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: { name: string; extensions: string[] }[];
}

export interface DialogLike {
  showOpenDialog(
    window: BrowserWindowLike,
    options: OpenDialogOptions,
  ): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(
    window: BrowserWindowLike,
    options: SaveDialogOptions,
  ): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface UtilityProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface UtilityProcessModuleLike {
  fork(
    modulePath: string,
    args?: string[],
    options?: {
      serviceName?: string;
      stdio?: 'inherit' | 'pipe' | 'ignore';
      env?: NodeJS.ProcessEnv;
    },
  ): UtilityProcessLike;
}

export interface MenuItemTemplate {
  label?: string;
  role?: string;
  type?: 'normal' | 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemTemplate[];
}

export interface MessageBoxOptions {
  type?: 'none' | 'info' | 'error' | 'question' | 'warning';
  title?: string;
  message: string;
  detail?: string;
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
}

export interface BrowserWindowOptions {
  width: number;
  height: number;
  x?: number;
  y?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  backgroundColor?: string;
  webPreferences: {
    /** The contract's preload: only for the app's own page, never for a remote engine's page. */
    preload?: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    navigateOnDragDrop: false;
    spellcheck?: boolean;
  };
}

/** The main-process module, as `require('electron')` returns it. */
export interface ElectronMainModule {
  app: {
    readonly isPackaged: boolean;
    getPath(name: 'userData' | 'documents'): string;
    getVersion(): string;
    requestSingleInstanceLock(): boolean;
    enableSandbox(): void;
    whenReady(): Promise<void>;
    quit(): void;
    showAboutPanel(): void;
    on(
      event: 'second-instance' | 'activate' | 'window-all-closed' | 'will-quit',
      listener: () => void,
    ): unknown;
    on(
      event: 'web-contents-created',
      listener: (event: unknown, contents: WebContentsLike) => void,
    ): unknown;
  };
  BrowserWindow: new (options: BrowserWindowOptions) => BrowserWindowLike;
  ipcMain: IpcMainLike;
  protocol: {
    registerSchemesAsPrivileged(
      schemes: readonly { scheme: string; privileges: Record<string, boolean> }[],
    ): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  dialog: DialogLike & {
    showErrorBox(title: string, content: string): void;
    showMessageBox(
      window: BrowserWindowLike | undefined,
      options: MessageBoxOptions,
    ): Promise<{ response: number }>;
  };
  clipboard: { readText(): string };
  Menu: {
    buildFromTemplate(template: MenuItemTemplate[]): unknown;
    setApplicationMenu(menu: unknown): void;
  };
  utilityProcess: UtilityProcessModuleLike;
  shell: { openExternal(url: string): Promise<void>; openPath(path: string): Promise<string> };
  screen: { getAllDisplays(): { workArea: Rectangle }[] };
  session: {
    defaultSession: {
      setPermissionRequestHandler(
        handler: (
          contents: unknown,
          permission: string,
          callback: (granted: boolean) => void,
        ) => void,
      ): void;
      setPermissionCheckHandler(handler: () => boolean): void;
    };
  };
}

/** The preload's module (sandboxed: only these are available). */
export interface ElectronPreloadModule {
  contextBridge: ContextBridgeLike;
  ipcRenderer: IpcRendererLike;
}
