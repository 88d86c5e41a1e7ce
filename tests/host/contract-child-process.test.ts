import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAtlasApi } from '../../src-main/api/atlas-api';
import { forkLauncher } from '../../src-main/host/fork-launcher';
import { Supervisor } from '../../src-main/host/supervisor';
import { contractSuite } from '../api/shared-suite';

// Transport 1: the supervisor in this process, the engine in Node child processes.
contractSuite('the engine host in child processes', async () => {
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-host-'));
  const libraryDir = path.join(scratchDir, 'library');
  const supervisor = new Supervisor({
    libraryDir,
    demoDir: null,
    launcher: forkLauncher(),
    transport: 'direct',
  });
  return {
    api: createAtlasApi(supervisor.invoke, supervisor.subscribe),
    libraryDir,
    scratchDir,
    async close() {
      supervisor.close();
      rmSync(scratchDir, { recursive: true, force: true });
    },
  };
});
