import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DECODE } from '../../src-main/api/contract';
import type { Outcome } from '../../src-main/api/envelope';
import { decodeFrame, encodeFrame } from '../../src-main/api/framing';
import { LatentConfig } from '../../src-main/shared/config';
import { startServer, type RunningServer } from '../../src-main/server';
import { DEFAULT_LIMITS, serveLimits, type ServeLimits } from '../../src-main/server/limits';
import { bridgeWebSockets } from '../../src-main/server/ws-bridge';
import { frame, goodClient, rawSocket, within } from './raw-client';

/**
 * `serve` against clients that break the protocol, hog it or stop reading: each is closed with a
 * code and a reason and logged once, and a well-behaved client carries on throughout.
 */

let root: string;
let server: RunningServer;
const log: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'atlas-hostile-'));
  server = await startServer({
    libraryDir: path.join(root, 'lib'),
    demoDir: null,
    rendererDir: path.join(root, 'none'),
    warm: false,
    warn: (line) => log.push(line),
    limits: { maxConnections: 8 },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Log lines about one client, by the port it connected from. */
const linesAbout = (port: number | undefined) => log.filter((l) => l.includes(`:${port})`));

async function stillServes(): Promise<void> {
  const client = await goodClient(server.port, server.token);
  try {
    expect(await client.listJobs()).toEqual({ jobs: [] });
  } finally {
    client.close();
  }
}

describe('frames that break the protocol', () => {
  it.each([
    ['a reserved opcode (3)', Buffer.from([0x83, 0x80, 0, 0, 0, 0]), 1002, 'protocol error'],
    ['an unmasked client frame', Buffer.from([0x81, 0x02, 0x68, 0x69]), 1002, 'protocol error'],
    [
      'a frame claiming 400 MB',
      frame({ opcode: 2, payload: new Uint8Array(16), declaredLength: 400_000_000n }),
      1009,
      'message over 64 MiB',
    ],
    [
      'a fragment claiming 2^63 bytes',
      frame({ opcode: 2, fin: false, payload: new Uint8Array(0), declaredLength: 2n ** 63n - 1n }),
      1009,
      'message over 64 MiB',
    ],
    [
      'RSV bits without an extension',
      frame({ opcode: 2, rsv: 4, payload: new Uint8Array(2) }),
      1002,
      'protocol error',
    ],
  ])('closes on %s with a code and a reason, logs it once', async (_, bytes, code, reason) => {
    const good = await goodClient(server.port, server.token);
    const raw = await rawSocket(server.port, server.token);
    raw.socket.write(bytes);
    await raw.ended;
    expect(raw.closeFrame()).toEqual({ code, reason: expect.stringContaining(reason) });
    const lines = linesAbout(raw.port);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^serve: closed client #\d+ \(127\.0\.0\.1:\d+\): /);
    // The other client never noticed.
    expect(await good.listJobs()).toEqual({ jobs: [] });
    good.close();
  });

  it('survives clients that reset their socket during or right after the handshake', async () => {
    const upgrade = (token: string) =>
      `GET /atlas?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    for (const bytes of [
      upgrade(server.token).slice(0, 60), // half a request
      upgrade('wrong-token-wrong-token'), // refused: the 401 meets a reset socket
      upgrade(server.token), // accepted: the 101 meets a reset socket
    ]) {
      const socket = connect({ host: '127.0.0.1', port: server.port });
      socket.on('error', () => {});
      await new Promise((r) => socket.once('connect', r));
      socket.write(bytes);
      await new Promise((r) => setImmediate(r));
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 50));
    await stillServes();
  });

  it('drops a connection that does not answer pings, and keeps one that does', async () => {
    // A server of its own: pings this frequent would be unfair to the flood test's clients.
    const lines: string[] = [];
    const pinging = await startServer({
      libraryDir: path.join(root, 'lib-ping'),
      demoDir: null,
      rendererDir: path.join(root, 'none'),
      warm: false,
      warn: (line) => lines.push(line),
      limits: { heartbeatMs: 500 },
    });
    try {
      const good = await goodClient(pinging.port, pinging.token);
      const raw = await rawSocket(pinging.port, pinging.token);
      const started = Date.now();
      await raw.ended;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(lines.filter((l) => l.includes(`:${raw.port})`))).toEqual([
        expect.stringContaining('no answer to a ping within 0.5 s'),
      ]);
      await new Promise((r) => setTimeout(r, 1_200));
      expect(await good.listJobs()).toEqual({ jobs: [] });
      good.close();
    } finally {
      await pinging.close();
    }
  });
});

describe('too many clients, too many requests', () => {
  it('refuses connections over the limit with 503, logged once, and accepts again below it', async () => {
    const before = log.length;
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push(await goodClient(server.port, server.token));
    const statuses = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(`ws://127.0.0.1:${server.port}/atlas?token=${server.token}`);
            ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
            ws.on('open', () => resolve(101));
            ws.on('error', () => {});
          }),
      ),
    );
    expect(statuses).toEqual([503, 503, 503]);
    expect(log.slice(before).filter((l) => l.includes('refusing connections'))).toHaveLength(1);
    clients.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await goodClient(server.port, server.token);
    expect(await again.listJobs()).toEqual({ jobs: [] });
    for (const c of [...clients, again]) c.close();
    await new Promise((r) => setTimeout(r, 100));
  });

  it('answers a well-behaved client promptly while another floods the server with requests', async () => {
    const good = await goodClient(server.port, server.token);
    const flooder = new WebSocket(`ws://127.0.0.1:${server.port}/atlas?token=${server.token}`);
    await new Promise((r) => flooder.once('open', r));
    flooder.on('error', () => {});
    let replies = 0;
    let busy = 0;
    flooder.on('message', (data: Buffer) => {
      const reply = decodeFrame(data) as { ok: boolean; error?: { code: string } };
      replies++;
      if (!reply.ok && reply.error?.code === 'busy') busy++;
    });
    const request = (id: number) =>
      encodeFrame({ type: 'request', id, method: 'listJobs', params: {} });
    let id = 0;
    const flood = setInterval(() => {
      for (let i = 0; i < 500; i++) flooder.send(request(id++));
    }, 5);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      expect(await good.listJobs()).toEqual({ jobs: [] });
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    clearInterval(flood);
    flooder.close();
    good.close();
    expect(id).toBeGreaterThan(5_000);
    expect(replies).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(replies);
    // Generous: the flooder shares this process and the machine's two cores with the good client.
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  });
});

/** The bridge alone, in front of a stand-in engine the test controls. */
async function bridged(limits: Partial<ServeLimits>, invoke: () => Promise<Outcome>) {
  const lines: string[] = [];
  const http: Server = createServer();
  const full = serveLimits({ heartbeatMs: 0, ...limits });
  const wss = new WebSocketServer({ server: http, maxPayload: full.maxFrameBytes });
  const stop = bridgeWebSockets(wss, {
    invoke,
    onEvent: () => () => {},
    limits: full,
    log: (line) => lines.push(line),
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const open = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    return ws;
  };
  return {
    lines,
    open,
    async close() {
      stop();
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}

const replies = (ws: WebSocket) => {
  const got: { id: number; ok: boolean; error?: { code: string; message: string } }[] = [];
  ws.on('message', (data: Buffer) => got.push(decodeFrame(data) as (typeof got)[number]));
  return got;
};
const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('what one connection may hold', () => {
  it('answers requests over the in-flight limit with busy at once, then takes them again', async () => {
    const release: (() => void)[] = [];
    const harness = await bridged(
      { maxInFlight: 4 },
      () =>
        new Promise((resolve) => release.push(() => resolve({ ok: true, result: { jobs: [] } }))),
    );
    const ws = await harness.open();
    const got = replies(ws);
    for (let id = 1; id <= 10; id++)
      ws.send(encodeFrame({ type: 'request', id, method: 'listJobs', params: {} }));
    await until(() => got.length === 6);
    expect(got.map((r) => r.id)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(got[0].error).toEqual({
      code: 'busy',
      message: expect.stringContaining('4 requests in flight on this connection (limit 4)'),
    });
    for (const r of release.splice(0)) r();
    await until(() => got.length === 10);
    ws.send(encodeFrame({ type: 'request', id: 11, method: 'listJobs', params: {} }));
    await until(() => release.length === 1);
    release[0]();
    await until(() => got.length === 11);
    expect(got[10]).toMatchObject({ id: 11, ok: true });
    ws.close();
    await harness.close();
  });

  it('counts the bytes of requests in flight, per connection', async () => {
    const release: (() => void)[] = [];
    const harness = await bridged(
      { maxInFlightBytes: 3_000_000 },
      () => new Promise((resolve) => release.push(() => resolve({ ok: true, result: {} }))),
    );
    const ws = await harness.open();
    const got = replies(ws);
    const big = (id: number) =>
      encodeFrame({
        type: 'request',
        id,
        method: 'decode',
        params: { modelId: 'm', z: new Float32Array(250_000), n: 1 },
      });
    for (let id = 1; id <= 3; id++) ws.send(big(id));
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ id: 3, error: { code: 'busy' } });
    expect(got[0].error!.message).toContain('limit 3000000');
    for (const r of release.splice(0)) r();
    ws.close();
    await harness.close();
  });

  it('drops a client that leaves replies unread past the backlog limit; others carry on', async () => {
    const result = { ok: true as const, result: { data: new Float32Array(256 * 1024) } }; // 1 MiB
    const harness = await bridged({ maxBacklogBytes: 4 * 1024 * 1024 }, async () => result);
    const slow = await harness.open();
    const good = await harness.open();
    const goodReplies = replies(good);
    const tcp = (slow as unknown as { _socket: Socket })._socket;
    tcp.pause(); // stops reading: the kernel buffers fill, then the server's queue
    const slowClosed = new Promise((r) => tcp.once('close', r));
    for (let id = 1; id <= 30; id++) {
      slow.send(encodeFrame({ type: 'request', id, method: 'listJobs', params: {} }));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => harness.lines.some((l) => l.includes('client too slow')));
    await within(slowClosed, 2_000);
    expect(harness.lines.filter((l) => l.includes('client too slow'))).toHaveLength(1);
    expect(harness.lines[0]).toMatch(/client too slow: \d+ MiB of replies unread \(limit 4 MiB\)/);
    good.send(encodeFrame({ type: 'request', id: 1, method: 'listJobs', params: {} }));
    await until(() => goodReplies.length === 1);
    good.close();
    await harness.close();
  });
});

describe('the frame limit', () => {
  it('fits the largest request the page sends (decode of MAX_DECODE vectors of the largest latent)', () => {
    const maxDim = LatentConfig.shape.dim.maxValue!;
    const largest = encodeFrame({
      type: 'request',
      id: Number.MAX_SAFE_INTEGER,
      method: 'decode',
      params: { modelId: 'x'.repeat(200), z: new Float32Array(MAX_DECODE * maxDim), n: MAX_DECODE },
    });
    expect(largest.byteLength).toBeGreaterThan(40_000_000);
    expect(largest.byteLength).toBeLessThan(DEFAULT_LIMITS.maxFrameBytes);
    // …with room to spare, but nowhere near the 512 MB it used to accept.
    expect(DEFAULT_LIMITS.maxFrameBytes).toBeLessThanOrEqual(2 * largest.byteLength);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => serveLimits({ maxInFlight: 0 })).toThrow(/maxInFlight must be an integer ≥ 1/);
    expect(() => serveLimits({ maxFrameBytes: 1.5 })).toThrow(/maxFrameBytes/);
  });
});
