import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAtlasApi } from '../../src-main/api/atlas-api';
import { forkLauncher } from '../../src-main/host/process/fork-launcher';
import { Supervisor } from '../../src-main/host/process/supervisor';
import type { Transport } from '../api/shared-suite';

/** The supervisor in this process, the engine in Node child processes, over a scratch library. */
export interface ForkedHost extends Transport {
  supervisor: Supervisor;
}

/** Starts a supervisor on a fresh library under a temporary folder named `prefix`…; `close` removes it. */
export function startForkedHost(prefix: string): ForkedHost {
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const libraryDir = path.join(scratchDir, 'library');
  const supervisor = new Supervisor({
    libraryDir,
    demoDir: null,
    launcher: forkLauncher(),
    transport: 'direct',
  });
  return {
    supervisor,
    api: createAtlasApi(supervisor.invoke, supervisor.subscribe),
    libraryDir,
    scratchDir,
    async close() {
      supervisor.close();
      rmSync(scratchDir, { recursive: true, force: true });
    },
  };
}
