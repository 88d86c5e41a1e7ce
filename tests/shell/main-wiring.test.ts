import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src-main/api/envelope';
import { METHOD_NAMES } from '../../src-main/api/names';

/**
 * main.ts and preload.ts bundled as the build bundles them, then run against a stand-in for the
 * electron module (the real binary cannot be installed here): checks the wiring, not Electron.
 */
const root = path.resolve(__dirname, '../..');

const FAKE_ELECTRON = String.raw`
const record = { calls: [], ready: false, handlers: new Map(), windows: [], appListeners: new Map() };
globalThis.__fakeElectron = record;
const lock = globalThis.__fakeElectronLock !== false;
let readyResolve;
const whenReady = new Promise((r) => (readyResolve = r));
setTimeout(() => { record.ready = true; readyResolve(); }, 20);
let nextId = 1;
class BrowserWindow {
  constructor(options) {
    this.options = options;
    const listeners = new Map();
    this.webContents = { id: nextId++, sent: [], send: (...a) => this.webContents.sent.push(a), isDestroyed: () => false,
      on() {}, setWindowOpenHandler() {} };
    this.on = (e, f) => listeners.set(e, f);
    this.once = (e, f) => listeners.set(e, f);
    this.listeners = listeners;
    record.windows.push(this);
  }
  loadURL(url) { this.url = url; return Promise.resolve(); }
  getNormalBounds() { return { x: 1, y: 2, width: 900, height: 700 }; }
  isMaximized() { return false; } isMinimized() { return false; } isDestroyed() { return false; }
  maximize() {} restore() {} focus() {} show() {}
}
module.exports = {
  app: {
    isPackaged: false,
    getPath: (name) => require('node:path').join(globalThis.__fakeElectronHome, name),
    getVersion: () => '0.0.0',
    requestSingleInstanceLock: () => { record.calls.push('requestSingleInstanceLock'); return lock; },
    enableSandbox: () => record.calls.push('enableSandbox'),
    whenReady: () => whenReady,
    quit: () => record.calls.push('quit'),
    showAboutPanel() {},
    on: (e, f) => record.appListeners.set(e, f),
  },
  BrowserWindow,
  ipcMain: { handle: (c, f) => record.handlers.set(c, f), removeHandler: (c) => record.handlers.delete(c) },
  protocol: {
    registerSchemesAsPrivileged: (s) => record.calls.push(['registerSchemesAsPrivileged', s, record.ready]),
    handle: (scheme, f) => { record.calls.push(['protocol.handle', scheme]); record.protocolHandler = f; },
  },
  dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }), showErrorBox() {},
    showMessageBox: async (_win, options) => { record.messageBoxes = [...(record.messageBoxes ?? []), options]; return { response: globalThis.__fakeMessageBoxResponse ?? 0 }; } },
  clipboard: { readText: () => globalThis.__fakeClipboard ?? '' },
  Menu: { buildFromTemplate: (t) => t, setApplicationMenu: (m) => (record.menu = m) },
  utilityProcess: { fork: () => { throw new Error('no engine process in this test'); } },
  shell: { openExternal: async () => {}, openPath: async () => '' },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  session: { defaultSession: {
    setPermissionRequestHandler: (f) => (record.permissionHandler = f),
    setPermissionCheckHandler: (f) => (record.permissionCheck = f),
  } },
};
`;

interface FakeRecord {
  calls: unknown[];
  handlers: Map<string, (event: unknown, params: unknown) => Promise<Outcome>>;
  windows: {
    options: { webPreferences: Record<string, unknown> };
    url: string;
    webContents: { id: number; sent: unknown[] };
    listeners: Map<string, () => void>;
  }[];
  appListeners: Map<string, (...args: unknown[]) => void>;
  protocolHandler: (request: Request) => Promise<Response>;
  permissionHandler: (
    contents: unknown,
    permission: string,
    cb: (granted: boolean) => void,
  ) => void;
  menu: { label?: string; submenu?: { label?: string; click?: () => void }[] }[];
  messageBoxes?: { message: string; detail?: string }[];
}

describe('the Electron main process and preload, bundled', () => {
  let tmp: string;
  let fake: FakeRecord;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'atlas-main-'));
    mkdirSync(path.join(tmp, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(path.join(tmp, 'node_modules', 'electron', 'index.js'), FAKE_ELECTRON);
    writeFileSync(
      path.join(tmp, 'node_modules', 'electron', 'package.json'),
      '{"name":"electron","main":"index.js"}',
    );
    const common = {
      bundle: true,
      platform: 'node' as const,
      absWorkingDir: root,
      logLevel: 'silent' as const,
      external: ['electron'],
    };
    const banner = {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    };
    await Promise.all([
      build({
        ...common,
        format: 'esm',
        banner,
        entryPoints: ['src-main/main.ts'],
        outfile: path.join(tmp, 'dist/main/main.js'),
      }),
      build({
        ...common,
        format: 'esm',
        banner,
        entryPoints: ['src-main/main.ts'],
        outfile: path.join(tmp, 'dist/main/second.js'),
      }),
      build({
        ...common,
        format: 'cjs',
        entryPoints: ['src-main/preload.ts'],
        outfile: path.join(tmp, 'dist/main/preload.cjs'),
      }),
    ]);
    (globalThis as Record<string, unknown>).__fakeElectronHome = path.join(tmp, 'home');
    await import(pathToFileURL(path.join(tmp, 'dist/main/main.js')).href);
    fake = (globalThis as unknown as { __fakeElectron: FakeRecord }).__fakeElectron;
    const deadline = Date.now() + 10_000;
    while (fake.windows.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
  });
  afterAll(() => {
    fake?.appListeners.get('will-quit')?.();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('registers atlas:// as privileged before the app is ready, then enables the sandbox', () => {
    const register = fake.calls.find(
      (c) => Array.isArray(c) && c[0] === 'registerSchemesAsPrivileged',
    ) as unknown[];
    expect(register[1]).toEqual([
      { scheme: 'atlas', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    expect(register[2]).toBe(false);
    expect(fake.calls).toContain('enableSandbox');
    expect(fake.calls).toContainEqual(['protocol.handle', 'atlas']);
  });

  it('opens one secure window on atlas://app/ with the CJS preload', () => {
    expect(fake.windows).toHaveLength(1);
    const [win] = fake.windows;
    expect(win.url).toBe('atlas://app/index.html');
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      preload: path.join(tmp, 'dist/main/preload.cjs'),
    });
  });

  it('File → Connect to Engine… opens the pasted serve URL in a window without the preload', async () => {
    const globals = globalThis as Record<string, unknown>;
    const click = () =>
      fake.menu
        .find((m) => m.label === 'File')!
        .submenu!.find((i) => i.label === 'Connect to Engine…')!.click!();
    const settle = () => new Promise((r) => setTimeout(r, 20));
    // Not a serve URL: explained, nothing opened.
    globals.__fakeClipboard = 'http://gpu-box.example:8080/?token=' + 'a'.repeat(43);
    click();
    await settle();
    expect(fake.windows).toHaveLength(1);
    expect(fake.messageBoxes!.at(-1)!.detail).toContain('unencrypted');
    // Cancelled: nothing opened.
    const token = 'A1b2'.repeat(11);
    globals.__fakeClipboard = ` http://127.0.0.1:8080/?token=${token}\n`;
    globals.__fakeMessageBoxResponse = 1;
    click();
    await settle();
    expect(fake.windows).toHaveLength(1);
    globals.__fakeMessageBoxResponse = 0;
    click();
    await settle();
    expect(fake.windows).toHaveLength(2);
    const remote = fake.windows[1];
    expect(fake.messageBoxes!.at(-1)!.message).toBe('Connect to the engine at 127.0.0.1:8080?');
    expect(remote.url).toBe(`http://127.0.0.1:8080/?token=${token}`);
    expect(remote.options.webPreferences).not.toHaveProperty('preload');
    expect(remote.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    // Its navigation stays on the engine's origin; the app window's stays on atlas://app.
    const guard = (contents: { id: number }) => {
      const listeners = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
      fake.appListeners.get('web-contents-created')!(
        {},
        {
          ...contents,
          on: (name: string, fn: never) => listeners.set(name, fn),
          setWindowOpenHandler: () => {},
        },
      );
      return (url: string) => {
        let blocked = false;
        listeners.get('will-navigate')!({ preventDefault: () => (blocked = true) }, url);
        return blocked;
      };
    };
    const remoteNav = guard({ id: remote.webContents.id });
    expect(remoteNav(`http://127.0.0.1:8080/?token=${token}`)).toBe(false);
    expect(remoteNav('atlas://app/index.html')).toBe(true);
    expect(remoteNav('https://evil.example/')).toBe(true);
    const appNav = guard({ id: fake.windows[0].webContents.id });
    expect(appNav('http://127.0.0.1:8080/')).toBe(true);
    expect(appNav('atlas://app/index.html')).toBe(false);
    // The remote page cannot call the local engine.
    const fromRemote = {
      senderFrame: { url: 'http://127.0.0.1:8080/', parent: null },
      sender: { id: remote.webContents.id },
    };
    expect(await fake.handlers.get('atlas:listJobs')!(fromRemote, {})).toMatchObject({
      ok: false,
      error: { code: 'refused' },
    });
    fake.windows.pop();
  });

  it('handles every contract channel, refusing senders other than its window', async () => {
    expect([...fake.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `atlas:${m}`).sort());
    const id = fake.windows[0].webContents.id;
    const own = { senderFrame: { url: 'atlas://app/index.html', parent: null }, sender: { id } };
    expect(await fake.handlers.get('atlas:listJobs')!(own, {})).toEqual({
      ok: true,
      result: { jobs: [] },
    });
    const stranger = {
      senderFrame: { url: 'https://evil.example/', parent: null },
      sender: { id },
    };
    expect(await fake.handlers.get('atlas:listJobs')!(stranger, {})).toMatchObject({
      ok: false,
      error: { code: 'refused' },
    });
    const otherWindow = { ...own, sender: { id: id + 100 } };
    expect(await fake.handlers.get('atlas:listJobs')!(otherWindow, {})).toMatchObject({
      ok: false,
      error: { code: 'refused' },
    });
  });

  it('refuses paths the user did not choose in a dialog', async () => {
    const id = fake.windows[0].webContents.id;
    const own = { senderFrame: { url: 'atlas://app/index.html', parent: null }, sender: { id } };
    for (const [channel, params] of [
      ['atlas:describeDataset', { spec: 'folder:/etc' }],
      ['atlas:importModel', { path: '/etc' }],
    ] as const) {
      expect(await fake.handlers.get(channel)!(own, params)).toMatchObject({
        ok: false,
        error: { code: 'refused', message: expect.stringContaining('/etc was not chosen') },
      });
    }
  });

  it('loads no native image code in the main process (packages external, as the build does)', async () => {
    const result = await build({
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      external: ['electron'],
      absWorkingDir: root,
      entryPoints: ['src-main/main.ts'],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].text;
    // Dataset specs are parsed here (page-paths.ts); sharp may only be imported when a folder is decoded.
    expect(code).not.toMatch(/^import\s[^;]*["']sharp["']/m);
    expect(code).not.toMatch(/^import\s[^;]*["']@tensorflow\//m);
  });

  it('serves the page through the protocol, denies permissions, and has a menu', async () => {
    const page = await fake.protocolHandler(new Request('atlas://app/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    let granted: boolean | undefined;
    fake.permissionHandler(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(fake.menu.map((m) => m.label)).toContain('File');
  });

  it('remembers the window size when it closes', () => {
    fake.windows[0].listeners.get('close')!();
    const saved = JSON.parse(
      readFileSync(path.join(tmp, 'home', 'userData', 'window-state.json'), 'utf8'),
    );
    expect(saved).toEqual({ x: 1, y: 2, width: 900, height: 700, maximized: false });
  });

  it('quits at once when another instance holds the lock', async () => {
    const before = fake.windows.length;
    (globalThis as Record<string, unknown>).__fakeElectronLock = false;
    // A second copy of the bundle, so it loads a fresh (fake) electron module state.
    delete require.cache?.[path.join(tmp, 'node_modules', 'electron', 'index.js')];
    await import(pathToFileURL(path.join(tmp, 'dist/main/second.js')).href);
    const second = (globalThis as unknown as { __fakeElectron: FakeRecord }).__fakeElectron;
    await new Promise((r) => setTimeout(r, 100));
    expect(second.calls).toContain('quit');
    expect(second.windows.length).toBe(0);
    expect(fake.windows.length).toBe(before);
  });

  it('has a preload that needs only `electron` and exposes only window.atlas', () => {
    const code = readFileSync(path.join(tmp, 'dist/main/preload.cjs'), 'utf8');
    const required: string[] = [];
    const exposed: Record<string, unknown> = {};
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`module not found: ${name}`);
      return {
        contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
        ipcRenderer: {
          invoke: async () => ({ ok: true, result: null }),
          on() {},
          removeListener() {},
        },
      };
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['atlas']);
    expect(code).not.toMatch(/from "zod"|require\("zod"\)/);
  });
});
