import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { connectAtlas, type WebSocketFactory } from '../../src-main/api/client-ws';
import { startServer } from '../../src-main/server';

describe('the WebSocket client', () => {
  it('says whether it is connected, now rather than when it was made', async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-client-'));
    const server = await startServer({
      libraryDir: path.join(scratch, 'library'),
      demoDir: null,
      rendererDir: path.join(scratch, 'none'),
      warm: false,
      warn: () => {},
    });
    try {
      const client = await connectAtlas({
        url: `ws://127.0.0.1:${server.port}/atlas?token=${server.token}`,
        WebSocket: WebSocket as unknown as WebSocketFactory,
      });
      expect(client.connected).toBe(true);
      client.close();
      expect(client.connected).toBe(false);
    } finally {
      await server.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
