import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { MenuItemTemplate, WebContentsLike } from '../../src-main/shell/electron-types';
import { menuTemplate } from '../../src-main/shell/menu';
import { guardNavigation } from '../../src-main/shell/navigation';
import { utilityLauncher } from '../../src-main/shell/utility-launcher';
import {
  DEFAULT_WINDOW,
  fitToDisplays,
  loadWindowState,
  saveWindowState,
} from '../../src-main/shell/window-state';

describe('window state', () => {
  it('remembers the size and place, and falls back to the default for a missing or broken file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-win-'));
    const file = path.join(dir, 'window-state.json');
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW);
    saveWindowState(file, { width: 1000, height: 700, x: 10, y: 20, maximized: true });
    expect(loadWindowState(file)).toEqual({
      width: 1000,
      height: 700,
      x: 10,
      y: 20,
      maximized: true,
    });
    writeFileSync(file, '{"width": -5}');
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW);
    rmSync(dir, { recursive: true, force: true });
  });

  it('never opens off-screen or larger than the largest display', () => {
    const laptop = { x: 0, y: 0, width: 1440, height: 900 };
    expect(
      fitToDisplays({ width: 3000, height: 2000, x: 2000, y: 0, maximized: false }, [laptop]),
    ).toEqual({
      width: 1440,
      height: 900,
      maximized: false,
    });
    expect(
      fitToDisplays({ width: 800, height: 600, x: 100, y: 50, maximized: false }, [laptop]),
    ).toMatchObject({ x: 100, y: 50 });
  });
});

describe('navigation guards', () => {
  it('blocks navigation away from the app and every new window; opens https links outside', () => {
    const handlers = new Map<
      string,
      (event: { preventDefault(): void; url: string }, url: string) => void
    >();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, fn: never) => handlers.set(name, fn),
      setWindowOpenHandler: (fn: never) => (openHandler = fn),
    } as unknown as WebContentsLike;
    const external = vi.fn();
    guardNavigation(contents, external);
    const attempt = (name: string, url: string) => {
      const event = { preventDefault: vi.fn(), url };
      handlers.get(name)!(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(attempt('will-navigate', 'https://evil.example')).toBe(true);
    expect(attempt('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(attempt('will-redirect', 'http://127.0.0.1')).toBe(true);
    expect(attempt('will-navigate', 'atlas://app/index.html#models')).toBe(false);
    expect(attempt('will-attach-webview', '')).toBe(true);
    expect(openHandler!({ url: 'https://arxiv.org/abs/1804.00891' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(external.mock.calls).toEqual([['https://arxiv.org/abs/1804.00891']]);
  });
});

describe('application menu', () => {
  const labels = (items: MenuItemTemplate[]): string[] =>
    items.flatMap((i) => [i.label ?? i.role ?? '', ...labels(i.submenu ?? [])]);

  it('has the import actions, and developer tools only in development', () => {
    const actions = {
      importDataset: vi.fn(),
      importCheckpoint: vi.fn(),
      connectEngine: vi.fn(),
      openLibraryFolder: vi.fn(),
      about: vi.fn(),
    };
    const shipped = menuTemplate(actions, { isMac: false, dev: false });
    expect(labels(shipped)).toEqual(
      expect.arrayContaining(['Import Checkpoint…', 'Import Image Folder as Dataset…', 'quit']),
    );
    expect(labels(shipped)).not.toContain('toggleDevTools');
    expect(labels(menuTemplate(actions, { isMac: true, dev: true }))).toEqual(
      expect.arrayContaining(['appMenu', 'toggleDevTools', 'close']),
    );
    const file = shipped.find((i) => i.label === 'File')!;
    file.submenu!.find((i) => i.label === 'Import Checkpoint…')!.click!();
    expect(actions.importCheckpoint).toHaveBeenCalled();
    file.submenu!.find((i) => i.label === 'Connect to Engine…')!.click!();
    expect(actions.connectEngine).toHaveBeenCalled();
  });
});

describe('utilityProcess launcher', () => {
  it('holds messages until the process has spawned, and reports exits', () => {
    const listeners = new Map<string, (...args: unknown[]) => void>();
    const posted: unknown[] = [];
    const forks: unknown[][] = [];
    const child = {
      pid: 42,
      postMessage: (m: unknown) => posted.push(m),
      kill: vi.fn(() => true),
      on: (event: string, fn: (...args: unknown[]) => void) => {
        const previous = listeners.get(event);
        listeners.set(event, (...args) => {
          previous?.(...args);
          fn(...args);
        });
        return child;
      },
    };
    const launch = utilityLauncher(
      { fork: (...args: unknown[]) => (forks.push(args), child) } as never,
      '/app/dist/host/host.js',
    );
    const host = launch('train', 'job-1');
    expect(forks[0]).toEqual([
      '/app/dist/host/host.js',
      ['--role=train', '--label=job-1'],
      expect.objectContaining({ serviceName: 'Latent Atlas job-1' }),
    ]);
    host.send({ type: 'start' });
    expect(posted).toEqual([]);
    listeners.get('spawn')!();
    expect(posted).toEqual([{ type: 'start' }]);
    const exits: unknown[] = [];
    host.onExit((info) => exits.push(info));
    listeners.get('exit')!(3);
    expect(exits).toEqual([{ code: 3, signal: null }]);
    host.kill();
    expect(child.kill).not.toHaveBeenCalled();
  });
});
