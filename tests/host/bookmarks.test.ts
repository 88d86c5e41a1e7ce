import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEPT_ACROSS_SAVES } from '../../src-main/engine/io/checkpoint-folders';
import {
  BOOKMARKS_FILE,
  deleteBookmark,
  listBookmarks,
  saveBookmark,
} from '../../src-main/host/inference/bookmarks';
import { weightsVersion } from '../../src-main/host/inference/latent-cache';

/** Named views kept in the model's folder (bookmarks.json). */

let scratch: string;
let dir: string;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'atlas-bookmarks-'));
  dir = path.join(scratch, 'model-1');
  await mkdir(path.join(dir, 'encoder'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'm' }));
  await writeFile(path.join(dir, 'encoder', 'weights.bin'), new Uint8Array([1, 2, 3]));
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('bookmarks', () => {
  it('saves, lists by name, replaces, deletes; the file is whole after concurrent saves', async () => {
    expect(await listBookmarks(dir, 'model-1')).toEqual([]);
    await Promise.all(
      ['b', 'a', 'c'].map((name) => saveBookmark(dir, 'model-1', name, `#view=1.${name}`)),
    );
    expect((await listBookmarks(dir, 'model-1')).map((b) => b.name)).toEqual(['a', 'b', 'c']);
    await saveBookmark(dir, 'model-1', 'b', '#view=1.new');
    const all = await listBookmarks(dir, 'model-1');
    expect(all.find((b) => b.name === 'b')!.state).toBe('#view=1.new');
    expect(all).toHaveLength(3);
    expect(await deleteBookmark(dir, 'model-1', 'a')).toBe(true);
    expect(await deleteBookmark(dir, 'model-1', 'a')).toBe(false);
    expect((await listBookmarks(dir, 'model-1')).map((b) => b.name)).toEqual(['b', 'c']);
    // No temporary files left behind.
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    const json = JSON.parse(await readFile(path.join(dir, BOOKMARKS_FILE), 'utf8'));
    expect(json.format).toBe('latent-atlas-bookmarks');
  });

  it('is no part of the weights: kept across saves and left out of the weights version', async () => {
    expect(KEPT_ACROSS_SAVES).toContain(BOOKMARKS_FILE);
    const before = await weightsVersion(dir);
    await saveBookmark(dir, 'model-1', 'x', '#view=1.x');
    expect(await weightsVersion(dir)).toBe(before);
  });

  it('refuses an unknown model and an unreadable file', async () => {
    await expect(listBookmarks(path.join(scratch, 'nope'), 'nope')).rejects.toThrow('no model');
    await writeFile(path.join(dir, BOOKMARKS_FILE), '{not json');
    await expect(listBookmarks(dir, 'model-1')).rejects.toThrow('unreadable');
  });
});
