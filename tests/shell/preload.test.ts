import { describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL, ipcChannel, METHOD_NAMES } from '../../src-main/api/names';
import type { AtlasApi } from '../../src-main/api/atlas-api';
import { exposeAtlas } from '../../src-main/shell/preload-api';

type Listener = (event: unknown, ...args: unknown[]) => void;

function preload(
  reply: (channel: string, params: unknown) => unknown = () => ({ ok: true, result: 'fine' }),
) {
  const exposed: Record<string, unknown> = {};
  const listeners = new Map<string, Set<Listener>>();
  const invoked: [string, unknown][] = [];
  const ipcRenderer = {
    async invoke(channel: string, params: unknown) {
      invoked.push([channel, params]);
      return reply(channel, params);
    },
    on(channel: string, listener: Listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
    },
    // What a careless preload might hand over: must never reach the page.
    send() {},
    sendSync() {},
  };
  exposeAtlas({ exposeInMainWorld: (key, api) => (exposed[key] = api) }, ipcRenderer);
  const emit = (message: unknown) =>
    listeners.get(IPC_EVENT_CHANNEL)?.forEach((l) => l({ sender: 'ipc-event-object' }, message));
  return { exposed, api: exposed.atlas as AtlasApi, invoked, emit, listeners };
}

describe('the preload', () => {
  it('exposes exactly the contract as window.atlas, and nothing else', () => {
    const { exposed, api } = preload();
    expect(Object.keys(exposed)).toEqual(['atlas']);
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'on'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    const text = JSON.stringify(Object.keys(api));
    expect(text).not.toMatch(/ipc|send|invoke|require|process/i);
  });

  it('invokes each method on its own channel and unwraps the outcome', async () => {
    const { api, invoked } = preload((channel) =>
      channel === ipcChannel('decode')
        ? { ok: false, error: { code: 'refused', message: 'nope' } }
        : { ok: true, result: { jobs: [] } },
    );
    expect(await api.listJobs()).toEqual({ jobs: [] });
    await expect(api.decode({ modelId: 'm', z: new Float32Array(2), n: 1 })).rejects.toThrow(
      'nope',
    );
    expect(invoked.map(([c]) => c)).toEqual(['atlas:listJobs', 'atlas:decode']);
    expect(invoked[1][1]).toMatchObject({ z: expect.any(Float32Array) });
  });

  it('delivers events by name with only their payload (no IPC event object), and unsubscribes', () => {
    const { api, emit, listeners } = preload();
    const got: unknown[][] = [];
    const off = api.on('hostError', (...args: unknown[]) => got.push(args));
    emit({ event: 'hostError', payload: { role: 'inference', message: 'x' } });
    emit({ event: 'trainingStep', payload: {} });
    emit(null);
    expect(got).toEqual([[{ role: 'inference', message: 'x' }]]);
    off();
    expect(listeners.get(IPC_EVENT_CHANNEL)?.size).toBe(0);
    expect(() => api.on('steal' as never, () => {})).toThrow(/unknown event/);
  });
});
