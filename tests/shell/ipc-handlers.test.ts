import { describe, expect, it, vi } from 'vitest';
import type { Outcome } from '../../src-main/api/envelope';
import { ipcChannel, METHOD_NAMES, type MethodName } from '../../src-main/api/names';
import { parseParams } from '../../src-main/api/validate';
import { registerIpcHandlers } from '../../src-main/shell/ipc-handlers';
import { PathGrants } from '../../src-main/access/path-grants';
import { isTrustedSender } from '../../src-main/shell/sender';
import { eventFrom, FakeIpcMain } from './stand-ins';

function setup(grants = new PathGrants()) {
  const ipcMain = new FakeIpcMain();
  const invoke = vi.fn(async (method: MethodName, params: unknown): Promise<Outcome> => {
    try {
      parseParams(method, params);
      return { ok: true, result: { method } };
    } catch (err) {
      return { ok: false, error: { code: 'invalid-params', message: (err as Error).message } };
    }
  });
  const trustedIds = new Set([1]);
  const unregister = registerIpcHandlers({
    ipcMain,
    isTrusted: (event) => isTrustedSender(event, (id) => trustedIds.has(id)),
    invoke,
    grants,
  });
  return { ipcMain, invoke, unregister };
}

const appPage = 'atlas://app/index.html';

describe('main-process IPC handlers', () => {
  it('registers exactly one handler per contract method, and removes them', () => {
    const { ipcMain, unregister } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(ipcChannel).sort());
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it("answers the app's own page", async () => {
    const { ipcMain, invoke } = setup();
    expect(await ipcMain.call(ipcChannel('listModels'), eventFrom(appPage), {})).toEqual({
      ok: true,
      result: { method: 'listModels' },
    });
    expect(
      await ipcMain.call(ipcChannel('listJobs'), eventFrom('atlas://app/deep/route?x=1#y'), {}),
    ).toMatchObject({ ok: true });
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['a destroyed frame (no senderFrame)', eventFrom(null)],
    ['a file:// page', eventFrom('file:///home/u/index.html')],
    ['a web page', eventFrom('https://evil.example/')],
    ['a page on localhost', eventFrom('http://127.0.0.1:5173/')],
    ['another atlas host', eventFrom('atlas://evil/index.html')],
    ['a look-alike scheme', eventFrom('atlasx://app/index.html')],
    [
      'an iframe inside the app page',
      eventFrom(appPage, { parent: { url: appPage, parent: null } }),
    ],
    ['a window the app did not create', eventFrom(appPage, { senderId: 99 })],
    ['about:blank', eventFrom('about:blank')],
  ])('refuses %s, without calling the engine', async (_label, event) => {
    const { ipcMain, invoke } = setup();
    for (const method of ['decode', 'deleteModel', 'startTraining'] as const) {
      const outcome = (await ipcMain.call(ipcChannel(method), event, {})) as Outcome;
      expect(outcome).toEqual({
        ok: false,
        error: {
          code: 'refused',
          message: `refused "${method}": the sender is not the app's own page`,
        },
      });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('passes payloads on for validation, and returns the error as an outcome', async () => {
    const { ipcMain } = setup();
    const outcome = (await ipcMain.call(ipcChannel('decode'), eventFrom(appPage), {
      modelId: 'm',
      z: [1],
      n: 1,
    })) as Outcome;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toContain('expected a Float32Array');
  });
});
