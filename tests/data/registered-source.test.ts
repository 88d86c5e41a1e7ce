import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src-main/cli/program';
import { registerDatasetSource } from '../../src-main/engine/data/registry';
import { fixture } from './fixture-source';
import { runInferenceHost } from '../../src-main/host/inference/inference-host';
import type { ParentPort } from '../../src-main/host/process/parent-port';

// Adding a dataset is one file exporting a `DatasetSource` and one registry line: a fixture source
// registered here reaches the CLI's help and the API's listing with no other edit (the training
// form: tests/renderer/components/registered-dataset.test.ts).
const unregister = registerDatasetSource(fixture);
afterAll(unregister);

describe('a dataset source registered at run time', () => {
  it('refuses a second source of the same scheme', () => {
    expect(() => registerDatasetSource(fixture)).toThrow(
      'a dataset source "fixture-points" is registered already',
    );
  });

  it("appears in the CLI's help for --data", () => {
    const train = buildProgram().commands.find((c) => c.name() === 'train')!;
    expect(train.helpInformation().replace(/\s+/g, ' ')).toContain(
      'shapes, toy:NAME, fixture-points',
    );
  });

  it("appears in the engine's listing with its item shape", async () => {
    const replies: unknown[] = [];
    let deliver: (message: unknown) => void = () => {};
    const port: ParentPort = {
      send: async (message) => void replies.push(message),
      onMessage: (listener) => (deliver = listener),
      onDisconnect: () => {},
    };
    runInferenceHost(port, { backend: 'cpu', chosen: 'cpu', attempts: [] });
    const libraryDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-registered-'));
    deliver({ type: 'init', libraryDir, demoDir: null, chores: true });
    deliver({ type: 'request', id: 1, method: 'listDatasets', params: {} });
    await expect.poll(() => replies.find((r) => (r as { id?: number }).id === 1)).toBeTruthy();
    const reply = replies.find((r) => (r as { id?: number }).id === 1) as {
      result: { datasets: { spec: string; itemShape?: number[] }[] };
    };
    expect(reply.result.datasets.find((d) => d.spec === 'fixture-points')?.itemShape).toEqual([5]);
  });
});
