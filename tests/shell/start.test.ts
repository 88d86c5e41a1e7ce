import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAtlas, type WebSocketFactory } from '../../src-main/api/client-ws';

const root = path.resolve(__dirname, '../..');

describe('npm start without Electron or a display', () => {
  let outdir: string;
  let library: string;

  beforeAll(() => {
    // A private build (the shared dist/ belongs to whoever last ran `npm run build`).
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    outdir = mkdtempSync(path.join(root, 'test-results', 'dist-'));
    library = mkdtempSync(path.join(os.tmpdir(), 'atlas-start-'));
    const built = spawnSync(
      process.execPath,
      ['scripts/build.mjs', '--skip-renderer', '--outdir', outdir],
      { cwd: root, encoding: 'utf8' },
    );
    expect(built.status, built.stderr).toBe(0);
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(library, { recursive: true, force: true });
  });

  it('says why in one line, starts serve from the built bundles, and prints the URL', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LATENT_ATLAS_LIBRARY: library };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, ['scripts/start.mjs', '--no-build', '--dist', outdir], {
      cwd: root,
      env,
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!/Open http/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const lines = out.trim().split('\n');
      expect(lines[0]).toMatch(
        /^(Electron is not installed|the Electron binary is missing|no display is available).*: starting `latent-atlas serve` instead\.$/,
      );
      const url = lines[1].replace(/^Open /, '');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect((await fetch(url)).status).toBe(200);

      // The built engine host (dist/host/host.js) answers through the built server.
      const client = await connectAtlas({
        url: url.replace('http://', 'ws://').replace('/?token=', '/atlas?token='),
        WebSocket: WebSocket as unknown as WebSocketFactory,
      });
      const info = await client.info();
      expect(info.transport).toBe('websocket');
      expect(info.libraryDir).toBe(library);
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
