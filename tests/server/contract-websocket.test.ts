import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { connectAtlas, type WebSocketFactory } from '../../src-main/api/client-ws';
import { startServer } from '../../src-main/server';
import { contractSuite } from '../api/shared-suite';

// Transport 2: the same suite through `serve`: WebSocket, binary frames, token.
contractSuite("serve's WebSocket", async () => {
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-ws-'));
  const libraryDir = path.join(scratchDir, 'library');
  const server = await startServer({
    libraryDir,
    demoDir: null,
    rendererDir: path.join(scratchDir, 'no-renderer'),
    // The suite reads and writes its scratch folder, as an operator's --allow-dir would allow.
    allowDirs: [scratchDir],
  });
  const client = await connectAtlas({
    url: `ws://127.0.0.1:${server.port}/atlas?token=${server.token}`,
    WebSocket: WebSocket as unknown as WebSocketFactory,
  });
  return {
    api: client,
    libraryDir,
    scratchDir,
    async close() {
      client.close();
      await server.close();
      rmSync(scratchDir, { recursive: true, force: true });
    },
  };
});
