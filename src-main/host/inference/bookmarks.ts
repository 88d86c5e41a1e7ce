// Named views (bookmarks) saved with a model, in its library folder as `bookmarks.json`:
// { "format": "latent-atlas-bookmarks", "version": 1, "bookmarks": [{ name, state, savedAt }] },
// sorted by name. `state` is the page's view text (its URL hash; the page validates it). Written
// through a temporary file and a rename, one write per folder at a time; a checkpoint save keeps
// the file (KEPT_ACROSS_SAVES) and the weights version leaves it out.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AtlasError } from '../../api/errors';
import { writeAtomic } from '../../engine/io/attribute-vectors';
import { queued, requireModelFolder } from './model-folder';

export const BOOKMARKS_FILE = 'bookmarks.json';
const FORMAT = 'latent-atlas-bookmarks';

export interface SavedBookmark {
  name: string;
  state: string;
  savedAt: string;
}

async function read(folder: string, modelId: string): Promise<SavedBookmark[]> {
  let text: string;
  try {
    text = await readFile(path.join(folder, BOOKMARKS_FILE), 'utf8');
  } catch {
    return [];
  }
  try {
    const json = JSON.parse(text) as { format?: unknown; bookmarks?: unknown };
    if (json.format !== FORMAT || !Array.isArray(json.bookmarks)) throw new Error('format');
    return json.bookmarks.filter(
      (b): b is SavedBookmark =>
        !!b &&
        typeof b === 'object' &&
        typeof (b as SavedBookmark).name === 'string' &&
        typeof (b as SavedBookmark).state === 'string' &&
        typeof (b as SavedBookmark).savedAt === 'string',
    );
  } catch {
    throw new AtlasError('refused', `the bookmarks of model "${modelId}" are unreadable`);
  }
}

async function write(folder: string, bookmarks: SavedBookmark[]): Promise<void> {
  bookmarks.sort((a, b) => a.name.localeCompare(b.name));
  await writeAtomic(
    path.join(folder, BOOKMARKS_FILE),
    JSON.stringify({ format: FORMAT, version: 1, bookmarks }, null, 1),
  );
}

export async function listBookmarks(folder: string, modelId: string): Promise<SavedBookmark[]> {
  await requireModelFolder(folder, modelId);
  return read(folder, modelId);
}

/** Saves `state` under `name`, replacing a bookmark of that name. */
export function saveBookmark(
  folder: string,
  modelId: string,
  name: string,
  state: string,
): Promise<SavedBookmark> {
  return queued(folder, async () => {
    await requireModelFolder(folder, modelId);
    const bookmarks = (await read(folder, modelId)).filter((b) => b.name !== name);
    const bookmark = { name, state, savedAt: new Date().toISOString() };
    bookmarks.push(bookmark);
    await write(folder, bookmarks);
    return bookmark;
  });
}

/** Deletes bookmark `name`; false when there was none. */
export function deleteBookmark(folder: string, modelId: string, name: string): Promise<boolean> {
  return queued(folder, async () => {
    await requireModelFolder(folder, modelId);
    const bookmarks = await read(folder, modelId);
    const kept = bookmarks.filter((b) => b.name !== name);
    if (kept.length === bookmarks.length) return false;
    await write(folder, kept);
    return true;
  });
}
