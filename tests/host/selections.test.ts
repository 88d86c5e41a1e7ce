import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteSelection,
  listSelections,
  saveSelection,
} from '../../src-main/host/inference/selections';
import { encodeNpy, parseNpy } from '../../src-main/shared/maths/npy';

describe('selections saved with a model', () => {
  let dir: string;
  let model: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-selections-'));
    model = path.join(dir, 'm-1');
    mkdirSync(model);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const save = (name: string, indices: number[], overwrite = false) =>
    saveSelection(model, 'm-1', {
      name,
      indices: Int32Array.from(indices),
      split: 'test',
      description: 'lasso',
      overwrite,
    });

  it('writes int32 indices, a split sidecar and the index, leaving no temporary files', async () => {
    const record = await save('sevens', [4, 17, 2]);
    expect(record).toMatchObject({
      name: 'sevens',
      file: 'selections/sevens.npy',
      count: 3,
      split: 'test',
      description: 'lasso',
    });
    const folder = path.join(model, 'selections');
    const npy = parseNpy(new Uint8Array(readFileSync(path.join(folder, 'sevens.npy'))));
    expect(npy.dtype).toBe('i4');
    expect(npy.shape).toEqual([3]);
    expect(Array.from(npy.data as Int32Array)).toEqual([4, 17, 2]);
    expect(JSON.parse(readFileSync(path.join(folder, 'sevens.json'), 'utf8'))).toMatchObject({
      split: 'test',
    });
    const index = JSON.parse(readFileSync(path.join(folder, 'index.json'), 'utf8'));
    expect(index.format).toBe('latent-atlas-selections');
    expect(index.selections.map((s: { name: string }) => s.name)).toEqual(['sevens']);
    expect(readdirSync(folder).sort()).toEqual(['index.json', 'sevens.json', 'sevens.npy']);
  });

  it('refuses to replace a name unless asked, and keeps every name when saves overlap', async () => {
    await save('a', [1]);
    await expect(save('a', [2])).rejects.toThrow(/exists/);
    await save('a', [2, 3], true);
    await Promise.all(['b', 'c', 'd', 'e'].map((name, k) => save(name, [k])));
    const listed = await listSelections(model, 'm-1');
    expect(listed.map((s) => [s.name, s.count])).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 1],
      ['d', 1],
      ['e', 1],
    ]);
  });

  it('refuses names with separators or dots, and models that are not there', async () => {
    for (const name of ['../x', 'a/b', 'a\\b', 'a.b', '', '.hidden'])
      await expect(save(name, [1])).rejects.toThrow(/selection name/);
    await expect(
      saveSelection(path.join(dir, 'nope'), 'nope', {
        name: 'x',
        indices: Int32Array.from([1]),
        split: 'all',
        overwrite: false,
      }),
    ).rejects.toThrow(/no model "nope"/);
    expect(readdirSync(model)).toEqual([]);
  });

  it('lists selections the index does not name (the CLI writes them) and skips missing files', async () => {
    await save('kept', [1, 2]);
    const folder = path.join(model, 'selections');
    writeFileSync(path.join(folder, 'by-hand.npy'), encodeNpy(Int32Array.from([5, 6, 7]), [3]));
    await save('gone', [9]);
    rmSync(path.join(folder, 'gone.npy'));
    const listed = await listSelections(model, 'm-1');
    expect(listed.map((s) => [s.name, s.count, s.split])).toEqual([
      ['by-hand', 3, null],
      ['kept', 2, 'test'],
    ]);
    expect(
      await listSelections(path.join(dir, 'empty-model-folder-missing'), 'x').catch(String),
    ).toMatch(/no model/);
  });

  it('deletes a selection: its index entry and both files; false when there is none', async () => {
    await save('kept', [1, 2]);
    await save('gone', [3]);
    const folder = path.join(model, 'selections');
    expect(await deleteSelection(model, 'm-1', 'gone')).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['index.json', 'kept.json', 'kept.npy']);
    const index = JSON.parse(readFileSync(path.join(folder, 'index.json'), 'utf8'));
    expect(index.selections.map((s: { name: string }) => s.name)).toEqual(['kept']);
    expect((await listSelections(model, 'm-1')).map((s) => s.name)).toEqual(['kept']);
    expect(await deleteSelection(model, 'm-1', 'gone')).toBe(false);
    expect(await deleteSelection(model, 'm-1', 'never')).toBe(false);
    // One the index does not name (the CLI wrote it) is deleted too, the index left alone.
    writeFileSync(path.join(folder, 'by-hand.npy'), encodeNpy(Int32Array.from([5]), [1]));
    writeFileSync(path.join(folder, 'by-hand.json'), '{"split":"all"}\n');
    expect(await deleteSelection(model, 'm-1', 'by-hand')).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['index.json', 'kept.json', 'kept.npy']);
  });

  it('keeps the index whole when saves and deletes overlap', async () => {
    await Promise.all(['a', 'b', 'c'].map((name, k) => save(name, [k])));
    await Promise.all([
      deleteSelection(model, 'm-1', 'a'),
      save('d', [4]),
      deleteSelection(model, 'm-1', 'c'),
      save('e', [5]),
    ]);
    const folder = path.join(model, 'selections');
    const index = JSON.parse(readFileSync(path.join(folder, 'index.json'), 'utf8'));
    expect(index.selections.map((s: { name: string }) => s.name)).toEqual(['b', 'd', 'e']);
    expect((await listSelections(model, 'm-1')).map((s) => s.name)).toEqual(['b', 'd', 'e']);
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to delete by a name with separators or dots, or of a model that is not there', async () => {
    await save('x', [1]);
    for (const name of ['../x', 'a/b', 'x.npy', '', '.hidden'])
      await expect(deleteSelection(model, 'm-1', name)).rejects.toThrow(/selection name/);
    await expect(deleteSelection(path.join(dir, 'nope'), 'nope', 'x')).rejects.toThrow(
      /no model "nope"/,
    );
    expect((await listSelections(model, 'm-1')).map((s) => s.name)).toEqual(['x']);
  });
});
