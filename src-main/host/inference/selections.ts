// Selections saved with a model, in its library folder:
//
//   <model>/selections/<name>.npy    the items: int32 [k], indices into one split of its dataset
//   <model>/selections/<name>.json   which split they number ({ split, created, description })
//   <model>/selections/index.json    every saved selection: { format, version, selections: [...] }
//
// The CLI's cartography commands read `<name>.npy` (and `<name>.json` for the split). Every file
// is written aside and renamed into place, the NPY first and the index last, so the index never
// names a missing file (a delete drops the index entry first, then the files); writes and deletes
// in one folder are queued, so two of them never lose an index entry.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AtlasError } from '../../api/errors';
import type { SavedSelection } from '../../api/contract';
import { SelectionName } from '../../api/contract';
import type { DataSplit } from '../../api/records';
import { encodeNpy, parseNpy } from '../../shared/maths/npy';
import { queued, requireModelFolder } from './model-folder';

export const SELECTIONS_FOLDER = 'selections';
export const SELECTION_INDEX = 'index.json';
const INDEX_FORMAT = 'latent-atlas-selections';

interface SelectionIndex {
  format: typeof INDEX_FORMAT;
  version: 1;
  selections: SavedSelection[];
}

function checkName(name: string): void {
  if (!SelectionName.safeParse(name).success)
    throw new AtlasError(
      'invalid-params',
      `selection name "${name}" must be 1–64 letters, digits, '-' or '_' (no path separators or dots)`,
    );
}

async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The index as stored; an empty one when there is none or it cannot be read. */
async function readIndex(dir: string): Promise<SavedSelection[]> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, SELECTION_INDEX), 'utf8')) as unknown;
    const list = (json as Partial<SelectionIndex>)?.selections;
    return Array.isArray(list)
      ? list.filter(
          (s): s is SavedSelection =>
            !!s && typeof s.name === 'string' && SelectionName.safeParse(s.name).success,
        )
      : [];
  } catch {
    return [];
  }
}

/**
 * Saves `indices` as selection `name` of the model in `folder`; refused when the name exists
 * unless `overwrite`.
 */
export async function saveSelection(
  folder: string,
  modelId: string,
  options: {
    name: string;
    indices: Int32Array;
    split: DataSplit;
    description?: string;
    overwrite: boolean;
  },
): Promise<SavedSelection> {
  const { name, indices, split, description, overwrite } = options;
  checkName(name);
  await requireModelFolder(folder, modelId);
  const dir = path.join(folder, SELECTIONS_FOLDER);
  return queued(dir, async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name}.npy`);
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (exists && !overwrite)
      throw new AtlasError(
        'refused',
        `a selection named "${name}" exists; ask to overwrite it to replace it`,
      );
    const created = new Date().toISOString();
    const record: SavedSelection = {
      name,
      file: `${SELECTIONS_FOLDER}/${name}.npy`,
      count: indices.length,
      split,
      created,
      ...(description ? { description } : {}),
    };
    await writeAtomic(file, encodeNpy(Int32Array.from(indices), [indices.length]));
    await writeAtomic(
      path.join(dir, `${name}.json`),
      JSON.stringify({ split, created, ...(description ? { description } : {}) }, null, 1) + '\n',
    );
    const others = (await readIndex(dir)).filter((s) => s.name !== name);
    const index: SelectionIndex = {
      format: INDEX_FORMAT,
      version: 1,
      selections: [...others, record].sort((a, b) => a.name.localeCompare(b.name)),
    };
    await writeAtomic(path.join(dir, SELECTION_INDEX), JSON.stringify(index, null, 1) + '\n');
    return record;
  });
}

/**
 * Removes selection `name` of the model in `folder`: its index entry first (so the index never
 * names a missing file), then `<name>.npy` and `<name>.json`. False when there was none of that
 * name, neither in the index nor as a file.
 */
export async function deleteSelection(
  folder: string,
  modelId: string,
  name: string,
): Promise<boolean> {
  checkName(name);
  await requireModelFolder(folder, modelId);
  const dir = path.join(folder, SELECTIONS_FOLDER);
  return queued(dir, async () => {
    const file = path.join(dir, `${name}.npy`);
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    const selections = await readIndex(dir);
    const listed = selections.some((s) => s.name === name);
    if (!exists && !listed) return false;
    if (listed) {
      const index: SelectionIndex = {
        format: INDEX_FORMAT,
        version: 1,
        selections: selections.filter((s) => s.name !== name),
      };
      await writeAtomic(path.join(dir, SELECTION_INDEX), JSON.stringify(index, null, 1) + '\n');
    }
    await rm(file, { force: true });
    await rm(path.join(dir, `${name}.json`), { force: true });
    return true;
  });
}

/**
 * The selections saved with the model in `folder`: the index's records, and any `<name>.npy`
 * the index does not name (written by the CLI or by hand), read from its header and `<name>.json`.
 * Records whose file is gone are left out.
 */
export async function listSelections(folder: string, modelId: string): Promise<SavedSelection[]> {
  await requireModelFolder(folder, modelId);
  const dir = path.join(folder, SELECTIONS_FOLDER);
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    return [];
  }
  const present = new Set(
    files
      .filter((f) => f.endsWith('.npy') && !f.startsWith('.'))
      .map((f) => f.slice(0, -4))
      .filter((name) => SelectionName.safeParse(name).success),
  );
  const listed = (await readIndex(dir)).filter((s) => present.has(s.name));
  const known = new Set(listed.map((s) => s.name));
  const extra: SavedSelection[] = [];
  for (const name of present) {
    if (known.has(name)) continue;
    try {
      const npy = parseNpy(new Uint8Array(await readFile(path.join(dir, `${name}.npy`))));
      if (npy.shape.length !== 1) continue;
      let split: DataSplit | null = null;
      let created: string | null = null;
      try {
        const info = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as {
          split?: unknown;
          created?: unknown;
        };
        if (info.split === 'train' || info.split === 'test' || info.split === 'all')
          split = info.split;
        if (typeof info.created === 'string') created = info.created;
      } catch {
        /* no sidecar: the split is unknown */
      }
      extra.push({
        name,
        file: `${SELECTIONS_FOLDER}/${name}.npy`,
        count: npy.shape[0],
        split,
        created,
      });
    } catch {
      /* not a readable NPY file: not a selection */
    }
  }
  return [...listed, ...extra].sort((a, b) => a.name.localeCompare(b.name));
}
