import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { datasets, parts } from '../../src-main/cli/actions/info';
import { registerDatasetSource } from '../../src-main/engine/data/registry';
import { registerGeometry } from '../../src-main/engine/latent/registry';
import { incompatibility, registerObjective } from '../../src-main/engine/objectives/registry';
import { runInferenceHost } from '../../src-main/host/inference/inference-host';
import type { ParentPort } from '../../src-main/host/process/parent-port';
import { fixtureDataset, fixtureGeometry, fixtureObjective } from './fixtures';

// Adding a dataset, a latent geometry or an objective is one file and one registry line: fixture
// parts registered here reach the CLI's listings and the engine's replies with no other edit (the
// training form: tests/renderer/components/registered-parts.test.ts).
const unregister = [
  registerDatasetSource(fixtureDataset),
  registerGeometry(fixtureGeometry),
  registerObjective(fixtureObjective),
];
afterAll(() => unregister.forEach((u) => u()));

/** What a CLI action prints on stdout. */
async function printed(action: () => unknown): Promise<string> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await action();
    return write.mock.calls.map(([chunk]) => String(chunk)).join('');
  } finally {
    write.mockRestore();
  }
}

/** One request to an inference host running in this process. */
async function ask(method: string): Promise<unknown> {
  const replies: { id?: number; ok?: boolean; result?: unknown }[] = [];
  let deliver: (message: unknown) => void = () => {};
  const port: ParentPort = {
    send: async (message) => void replies.push(message as (typeof replies)[number]),
    onMessage: (listener) => (deliver = listener),
    onDisconnect: () => {},
  };
  runInferenceHost(port, { backend: 'cpu', chosen: 'cpu', attempts: [] });
  const libraryDir = mkdtempSync(path.join(os.tmpdir(), 'atlas-registered-'));
  deliver({ type: 'init', libraryDir, demoDir: null, chores: true });
  deliver({ type: 'request', id: 1, method, params: {} });
  // The host answers request 1 with a successful reply (an error reply fails here, naming it).
  const reply = await vi.waitFor(() => {
    const found = replies.find((r) => r.id === 1);
    if (!found) throw new Error(`no reply to ${method} yet`);
    return found;
  });
  expect(reply).toMatchObject({ type: 'reply', ok: true });
  return reply.result;
}

describe('parts registered at run time', () => {
  it('refuse a second registration of the same name', () => {
    expect(() => registerDatasetSource(fixtureDataset)).toThrow(
      'a dataset source "fixture-points" is registered already',
    );
    expect(() => registerGeometry(fixtureGeometry)).toThrow(
      'a latent geometry "fixture-cube" is registered already',
    );
    expect(() => registerObjective(fixtureObjective)).toThrow(
      'an objective "fixture-divergence" is registered already',
    );
  });

  it('are listed by the CLI, with their settings', async () => {
    expect(await printed(() => datasets({}))).toMatch(
      /fixture-points\s+five-dimensional test points/,
    );
    const listing = await printed(() => parts({}));
    expect(listing).toContain('--latent gaussian, sphere, power-sphere, mixture:K, fixture-cube:K');
    expect(listing).toContain('fixture-cube   Fixture cube: a test geometry');
    expect(listing).toContain('Corners (components, 2–8, default 8): corners to use');
    expect(listing).toContain('fixture-divergence Fixture divergence: a test objective');
  });

  it('are listed by the engine, each as it describes itself', async () => {
    const { datasets: listed } = (await ask('listDatasets')) as {
      datasets: { spec: string; itemShape?: number[] }[];
    };
    expect(listed.find((d) => d.spec === 'fixture-points')?.itemShape).toEqual([5]);
    const { geometries, objectives } = (await ask('listModelParts')) as {
      geometries: { kind: string }[];
      objectives: { kind: string }[];
    };
    expect(geometries.find((g) => g.kind === 'fixture-cube')).toEqual(fixtureGeometry.descriptor);
    expect(objectives.at(-1)).toEqual(fixtureObjective.descriptor);
  });

  it("say which pairs make no sense, and the engine's checks follow", () => {
    expect(incompatibility('fixture-cube', 'fixture-divergence')).toBe('a cube has no divergence');
    expect(incompatibility('fixture-cube', 'kl')).toBeUndefined();
    expect(incompatibility('gaussian', 'fixture-divergence')).toBeUndefined();
  });
});
