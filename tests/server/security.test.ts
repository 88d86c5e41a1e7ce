import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAtlas, type WebSocketFactory } from '../../src-main/api/client-ws';
import { decodeFrame, encodeFrame } from '../../src-main/api/framing';
import { startServer, type RunningServer } from '../../src-main/server';

/** A raw HTTP GET, so tests can set any Host header. */
function get(port: number, pathname: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

/** Attempts a WebSocket upgrade; resolves with the HTTP status it was refused with, or 101. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.on('error', () => {});
  });
}

describe('serve: who may use it', () => {
  let root: string;
  let server: RunningServer;
  let bare: RunningServer;
  const ws = (token: string, p = server.port) =>
    `ws://127.0.0.1:${p}/atlas?token=${encodeURIComponent(token)}`;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'atlas-serve-'));
    const renderer = path.join(root, 'renderer');
    mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    writeFileSync(
      path.join(renderer, 'index.html'),
      '<!doctype html><title>Atlas page</title><script src="/assets/app.js"></script>',
    );
    writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'secret.txt'), 'secret');
    mkdirSync(path.join(root, 'private'));
    writeFileSync(path.join(root, 'private', 'key.txt'), 'secret');
    if (process.platform !== 'win32') {
      symlinkSync(path.join(root, 'secret.txt'), path.join(renderer, 'assets', 'leak.txt'));
      symlinkSync(path.join(root, 'private'), path.join(renderer, 'private'));
      symlinkSync(path.join(renderer, 'assets', 'app.js'), path.join(renderer, 'alias.js'));
    }
    server = await startServer({
      libraryDir: path.join(root, 'lib'),
      demoDir: null,
      rendererDir: renderer,
      warm: false,
    });
    bare = await startServer({
      libraryDir: path.join(root, 'lib2'),
      demoDir: null,
      rendererDir: path.join(root, 'none'),
      warm: false,
    });
  });
  afterAll(async () => {
    await server.close();
    await bare.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('prints a loopback URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(server.token).not.toBe(bare.token);
  });

  it('refuses the page without the right token', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
    expect((await get(server.port, `/index.html?token=${server.token}x`)).status).toBe(401);
    const refused = await get(server.port, '/');
    expect(refused.body).not.toContain('Atlas page');
  });

  it('serves the page with the token, under a strict CSP', async () => {
    const page = await get(server.port, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Atlas page');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    // WebAssembly may compile (onnxruntime-web); JavaScript eval may not.
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await get(server.port, '/assets/app.js')).body).toBe('console.log(1)');
  });

  it('shows a placeholder page when the renderer is not built', async () => {
    const page = await get(bare.port, `/?token=${bare.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('npm run build');
    expect(page.body).not.toContain('<script');
  });

  it('serves nothing outside the renderer folder', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/%00',
    ]) {
      const res = await get(server.port, p);
      expect(res.status, p).toBe(404);
      expect(res.body).not.toContain('secret');
    }
    expect((await get(server.port, `/?token=${server.token}`, {}, 'POST')).status).toBe(405);
  });

  it.runIf(process.platform !== 'win32')(
    'follows no link out of the renderer folder (a link inside it still serves)',
    async () => {
      for (const p of ['/assets/leak.txt', '/private/key.txt']) {
        const res = await get(server.port, p);
        expect(res.status, p).toBe(404);
        expect(res.body).not.toContain('secret');
      }
      expect((await get(server.port, '/alias.js')).body).toBe('console.log(1)');
    },
  );

  it('builds the CSP from its own address, never from the Host header', async () => {
    for (const host of [
      `127.0.0.1:${server.port}; script-src *`,
      `localhost:1 https://evil.example`,
      `127.0.0.1:${server.port}\tws://evil.example`,
    ]) {
      const page = await get(server.port, `/?token=${server.token}`, { Host: host });
      const csp = String(page.headers['content-security-policy']);
      expect(page.status).toBe(200);
      expect(csp).not.toContain('evil');
      expect(csp).not.toContain('script-src *');
      expect(csp.match(/script-src/g)).toHaveLength(1);
      // No IPv6 literal: CSP source expressions cannot hold one (Chromium drops it with a warning).
      expect(csp).not.toContain('[');
      expect(csp).toContain(
        `connect-src 'self' ws://127.0.0.1:${server.port} wss://127.0.0.1:${server.port} ws://localhost:${server.port}`,
      );
      const asset = await get(server.port, '/assets/app.js', { Host: host });
      expect(String(asset.headers['content-security-policy'])).toBe(csp);
    }
  });

  it('refuses a DNS-rebinding Host header on loopback', async () => {
    expect(
      (await get(server.port, `/?token=${server.token}`, { Host: `evil.example:${server.port}` }))
        .status,
    ).toBe(421);
    expect(
      (await get(server.port, `/?token=${server.token}`, { Host: `localhost:${server.port}` }))
        .status,
    ).toBe(200);
    expect(await upgrade(ws(server.token), { Host: `evil.example:${server.port}` })).toBe(421);
  });

  it('refuses the socket without the right token, or from another origin', async () => {
    expect(await upgrade(`ws://127.0.0.1:${server.port}/atlas`)).toBe(401);
    expect(await upgrade(ws('wrong'))).toBe(401);
    expect(await upgrade(ws(bare.token))).toBe(401);
    expect(await upgrade(ws(server.token), { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(ws(server.token), { Origin: `http://127.0.0.1:${server.port + 1}` })).toBe(
      403,
    );
    expect(await upgrade(ws(server.token).replace('/atlas', '/other'))).toBe(404);
    expect(await upgrade(ws(server.token), { Origin: `http://127.0.0.1:${server.port}` })).toBe(
      101,
    );
    expect(await upgrade(ws(server.token))).toBe(101);
    await expect(
      connectAtlas({ url: ws('wrong'), WebSocket: WebSocket as unknown as WebSocketFactory }),
    ).rejects.toMatchObject({ code: 'refused' });
  });

  describe('malformed traffic on an accepted socket', () => {
    const open = () =>
      new Promise<WebSocket>((resolve) => {
        const socket = new WebSocket(ws(server.token));
        socket.binaryType = 'arraybuffer';
        socket.on('open', () => resolve(socket));
      });
    const closed = (socket: WebSocket) =>
      new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
    const nextReply = (socket: WebSocket) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const onMessage = (data: ArrayBuffer) => {
          const message = decodeFrame(data) as Record<string, unknown>;
          if (message.type !== 'reply') return;
          socket.off('message', onMessage);
          resolve(message);
        };
        socket.on('message', onMessage);
      });

    it('closes on text frames and on bytes that are not a frame, saying why', async () => {
      const a = await open();
      const aClosed = closed(a);
      a.send('{"type":"request"}');
      expect(await aClosed).toEqual({ code: 1003, reason: 'binary frames only' });
      const b = await open();
      const bClosed = closed(b);
      b.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
      expect(await bClosed).toMatchObject({
        code: 1007,
        reason: expect.stringContaining('malformed frame: bad magic'),
      });
      const c = await open();
      const cClosed = closed(c);
      c.send(encodeFrame({ hello: 'world' }));
      expect(await cClosed).toMatchObject({
        code: 1008,
        reason: expect.stringContaining('invalid request'),
      });
    });

    it('answers a bad envelope or bad params with an error naming the field (server-side checks)', async () => {
      const socket = await open();
      let reply = nextReply(socket);
      socket.send(encodeFrame({ type: 'request', id: 7, method: 'formatDisk', params: {} }));
      expect(await reply).toMatchObject({
        id: 7,
        ok: false,
        error: { code: 'invalid-message', message: expect.stringContaining('method') },
      });
      reply = nextReply(socket);
      socket.send(
        encodeFrame({
          type: 'request',
          id: 8,
          method: 'decode',
          params: { modelId: 'm', z: [1, 2], n: 1 },
        }),
      );
      expect(await reply).toMatchObject({
        id: 8,
        ok: false,
        error: {
          code: 'invalid-params',
          message: expect.stringContaining('z: expected a Float32Array, got a plain array'),
        },
      });
      reply = nextReply(socket);
      socket.send(encodeFrame({ type: 'request', id: 9, method: 'listJobs', params: {} }));
      expect(await reply).toEqual({ type: 'reply', id: 9, ok: true, result: { jobs: [] } });
      socket.close();
    });
  });
});

describe('serve on another interface', () => {
  it('warns when it is not on loopback, and refuses a short token', async () => {
    const lines: string[] = [];
    const root = mkdtempSync(path.join(os.tmpdir(), 'atlas-remote-'));
    const remote = await startServer({
      host: '0.0.0.0',
      libraryDir: root,
      demoDir: null,
      warn: (l) => lines.push(l),
      warm: false,
    });
    try {
      expect(lines.join('\n')).toMatch(/not loopback.*SSH tunnel/s);
      expect(remote.url).toContain(`${os.hostname()}:${remote.port}`);
      // Bound beyond loopback, any Host is fine (it is the name the remote user typed); the token is not.
      expect(
        (await get(remote.port, `/?token=${remote.token}`, { Host: `atlas.lab:${remote.port}` }))
          .status,
      ).toBe(200);
      expect(
        (await get(remote.port, '/?token=nope', { Host: `atlas.lab:${remote.port}` })).status,
      ).toBe(401);
      // The CSP names the machine serve runs on, whatever Host the request claims.
      const page = await get(remote.port, `/?token=${remote.token}`, {
        Host: `evil.example:${remote.port}`,
      });
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain(`connect-src 'self' ws://${os.hostname()}:${remote.port}`);
      expect(csp).not.toContain('evil');
    } finally {
      await remote.close();
      rmSync(root, { recursive: true, force: true });
    }
    await expect(startServer({ token: 'short', libraryDir: root, demoDir: null })).rejects.toThrow(
      /at least 16/,
    );
  });
});
