import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src-main/api/errors';
import { loadVector, readVectorIndex } from '../../src-main/engine/io/attribute-vectors';
import {
  deleteVector,
  listVectors,
  readSavedSelection,
  saveVector,
} from '../../src-main/host/inference/vectors';
import { saveSelection } from '../../src-main/host/inference/selections';

describe('attribute vectors saved with a model through the host', () => {
  let dir: string;
  let model: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-vectors-'));
    model = path.join(dir, 'm-1');
    mkdirSync(model);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const save = (name: string, overwrite = false, auc = 0.75) =>
    saveVector(model, 'm-1', {
      name,
      vector: Float32Array.from([1, -2, 0.5]),
      base: Float32Array.from([0, 0.5, 0]),
      sphere: false,
      auc,
      from: { description: 'label 1', n: 4 },
      to: { group: 'label:7', description: 'label 7', n: 5 },
      overwrite,
    });

  it('writes what the engine and the CLI read, and lists it with its coordinates', async () => {
    const record = await save('smile');
    expect(record).toMatchObject({ name: 'smile', dim: 3, sphere: false, auc: 0.75, data: null });
    expect(record.length).toBeCloseTo(Math.hypot(1, 2, 0.5), 6);
    expect(record.from).toEqual({ group: 'label 1', description: 'label 1', n: 4 });
    const loaded = await loadVector(model, 'smile', 3);
    expect(Array.from(loaded.vector)).toEqual([1, -2, 0.5]);
    expect(Array.from(loaded.base)).toEqual([0, 0.5, 0]);
    const [listed] = await listVectors(model, 'm-1');
    expect(Array.from(listed.vector)).toEqual([1, -2, 0.5]);
    expect(Array.from(listed.basePoint)).toEqual([0, 0.5, 0]);
    expect(readdirSync(path.join(model, 'vectors')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a name already saved unless asked to overwrite; queued saves keep every entry', async () => {
    await save('a');
    const err = await save('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe('refused');
    expect((await save('a', true, 0.9)).auc).toBe(0.9);
    await Promise.all(['b', 'c', 'd', 'e'].map((n) => save(n)));
    expect((await readVectorIndex(model)).vectors.map((v) => v.name).sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
    expect(await deleteVector(model, 'm-1', 'c')).toBe(true);
    expect(await deleteVector(model, 'm-1', 'c')).toBe(false);
    expect((await listVectors(model, 'm-1')).map((v) => v.name)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('answers a broken index or a missing model in one line, without the folder path', async () => {
    const missing = await listVectors(path.join(dir, 'nope'), 'nope').catch((e: AtlasError) => e);
    expect(missing).toMatchObject({ code: 'not-found', message: 'no model "nope"' });
    mkdirSync(path.join(model, 'vectors'));
    writeFileSync(path.join(model, 'vectors', 'index.json'), '{ nope');
    const broken = await listVectors(model, 'm-1').catch((e: AtlasError) => e);
    expect(broken).toMatchObject({ code: 'refused' });
    expect((broken as AtlasError).message).toContain('not valid JSON');
    expect((broken as AtlasError).message).toContain('model "m-1"');
    expect((broken as AtlasError).message).not.toContain(dir);
  });

  it("reads a saved selection's items and split", async () => {
    await saveSelection(model, 'm-1', {
      name: 'picked',
      indices: Int32Array.from([7, 3]),
      split: 'train',
      overwrite: false,
    });
    expect(await readSavedSelection(model, 'm-1', 'picked')).toEqual({
      indices: Int32Array.from([7, 3]),
      split: 'train',
    });
    const none = await readSavedSelection(model, 'm-1', 'other').catch((e: AtlasError) => e);
    expect(none).toMatchObject({ code: 'not-found' });
    expect((none as AtlasError).message).not.toContain(dir);
  });
});
