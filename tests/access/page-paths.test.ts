import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { methods } from '../../src-main/api/contract';
import type { Outcome } from '../../src-main/api/envelope';
import { ipcChannel, METHOD_NAMES, type MethodName } from '../../src-main/api/names';
import { dialogProvider } from '../../src-main/shell/dialogs';
import type { BrowserWindowLike, DialogLike } from '../../src-main/shell/electron-types';
import { registerIpcHandlers } from '../../src-main/shell/ipc-handlers';
import { PATH_PARAMS } from '../../src-main/access/page-paths';
import { PathGrants } from '../../src-main/access/path-grants';
import { isTrustedSender } from '../../src-main/shell/sender';
import { eventFrom, FakeIpcMain } from '../shell/stand-ins';

/**
 * The page may name only paths the user chose in a native dialog (or datasets the library holds):
 * real folders and links in a temporary directory, grants made through dialogProvider as in the
 * app, requests through the stand-in ipcMain.
 */
let tmp: string;
const dir = (...parts: string[]) => path.join(tmp, ...parts);
const page = eventFrom('atlas://app/index.html');
const canLink = process.platform !== 'win32';

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'atlas-paths-')));
  for (const sub of [
    'chosen/cats',
    'chosen-too',
    'other',
    'imported/dogs',
    'trained-on',
    'out',
    'checkpoint',
  ])
    mkdirSync(dir(sub), { recursive: true });
  for (const file of [
    'chosen/cats/a.png',
    'chosen/train-images-idx3-ubyte',
    'chosen/train-labels-idx1-ubyte',
    'other/train-labels-idx1-ubyte',
    'other/b.png',
    'trained-on/images-idx3-ubyte',
  ])
    writeFileSync(dir(file), '');
  if (canLink) {
    symlinkSync(dir('other'), dir('chosen', 'escape'));
    symlinkSync(dir('chosen'), dir('link-to-chosen'));
    symlinkSync(dir('nowhere', 'x'), dir('out', 'dangling.png'));
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Answers {
  folder?: string;
  save?: string;
}

function setup() {
  const ipcMain = new FakeIpcMain();
  const grants = new PathGrants();
  const engineCalls: MethodName[] = [];
  const invoke = vi.fn(async (method: MethodName): Promise<Outcome> => {
    if (method === 'listDatasets') {
      return {
        ok: true,
        result: {
          datasets: [
            { spec: 'mnist', description: '', imported: false },
            { spec: 'folder:DIR', description: '', imported: false },
            { spec: `folder:${dir('imported')}`, description: '', imported: true },
          ],
        },
      };
    }
    if (method === 'listModels') {
      return {
        ok: true,
        result: {
          models: [
            { modelId: 'm1', dataset: { spec: `idx:${dir('trained-on/images-idx3-ubyte')}` } },
            { modelId: 'm2', dataset: null },
          ],
        },
      };
    }
    engineCalls.push(method);
    return { ok: true, result: { method } };
  });
  registerIpcHandlers({
    ipcMain,
    isTrusted: (event) => isTrustedSender(event, (id) => id === 1),
    invoke,
    grants,
  });
  const answers: Answers = {};
  const dialog: DialogLike = {
    showOpenDialog: async () =>
      answers.folder
        ? { canceled: false, filePaths: [answers.folder] }
        : { canceled: true, filePaths: [] },
    showSaveDialog: async () =>
      answers.save ? { canceled: false, filePath: answers.save } : { canceled: true },
  };
  const dialogs = dialogProvider(dialog, () => ({}) as BrowserWindowLike, grants, {
    documents: tmp,
  });
  const call = (method: MethodName, params: unknown) =>
    ipcMain.call(ipcChannel(method), page, params) as Promise<Outcome>;
  return {
    call,
    engineCalls,
    invoke,
    /** The user picks `target` in the folder (or checkpoint) dialog. */
    async chooseFolder(target: string, via: 'chooseFolder' | 'chooseCheckpoint' = 'chooseFolder') {
      answers.folder = target;
      return (await dialogs[via]({})).path;
    },
    /** The user picks `target` in the save dialog. */
    async chooseSave(target: string) {
      answers.save = target;
      return (await dialogs.chooseSavePath({ kind: 'png' })).path;
    },
  };
}

const training = (spec: string) => ({
  dataset: { spec },
  model: {},
  train: {},
});

/** Each request that names a path, built around one path to read or write. */
const READERS: [MethodName, (target: string) => unknown][] = [
  ['describeDataset', (target) => ({ spec: `folder:${target}` })],
  ['describeDataset', (target) => ({ spec: `idx:${target}` })],
  ['startTraining', (target) => training(`folder:${target}`)],
  ['startTraining', (target) => training(`IDX: ${target} `)],
  ['importFolderDataset', (target) => ({ path: target })],
  ['importModel', (target) => ({ path: target })],
];
const WRITERS: [MethodName, (target: string) => unknown][] = [
  [
    'exportPng',
    (target) => ({ images: new Float32Array(1), n: 1, shape: [1, 1, 1], path: target }),
  ],
  ['exportNpy', (target) => ({ data: new Float32Array(1), shape: [1], path: target })],
];

function expectRefused(outcome: Outcome, method: MethodName, named: string) {
  expect(outcome.ok).toBe(false);
  if (outcome.ok) return;
  expect(outcome.error.code).toBe('refused');
  expect(outcome.error.message).toContain(`refused "${method}"`);
  expect(outcome.error.message).toContain(named);
}

describe('paths the page names over IPC', () => {
  it.each(READERS)('%s refuses a path nobody chose', async (method, params) => {
    const s = setup();
    await s.chooseFolder(dir('chosen'));
    for (const target of [
      dir('other'),
      dir('other', 'b.png'),
      dir('chosen', '..', 'other'),
      dir('chosen-too'),
    ]) {
      const outcome = await s.call(method, params(target));
      expectRefused(outcome, method, target);
      expect(!outcome.ok && outcome.error.message).toMatch(/was not chosen in a file dialog$/);
    }
    expect(s.engineCalls).toEqual([]);
  });

  it.each(READERS)('%s accepts a chosen folder and anything under it', async (method, params) => {
    const s = setup();
    expect(await s.chooseFolder(`${dir('chosen')}${path.sep}`)).toBe(dir('chosen'));
    for (const target of [
      dir('chosen'),
      `${dir('chosen')}${path.sep}`,
      dir('chosen', 'cats'),
      dir('chosen', 'cats', 'a.png'),
      dir('chosen', 'cats', '..', 'train-images-idx3-ubyte'),
      dir('chosen', 'not-there-yet'),
    ]) {
      expect(await s.call(method, params(target))).toEqual({ ok: true, result: { method } });
    }
    expect(s.engineCalls).toHaveLength(6);
  });

  it('takes a checkpoint dialog’s folder as a grant to read, too', async () => {
    const s = setup();
    await s.chooseFolder(dir('checkpoint'), 'chooseCheckpoint');
    expect(await s.call('importModel', { path: dir('checkpoint') })).toMatchObject({ ok: true });
  });

  it.each(WRITERS)('%s writes only to the file chosen in a save dialog', async (method, params) => {
    const s = setup();
    await s.chooseFolder(dir('chosen'));
    // Neither a file nobody chose nor one inside a folder chosen for reading.
    for (const target of [dir('other', 'x.png'), dir('chosen', 'x.png'), dir('chosen')]) {
      const outcome = await s.call(method, params(target));
      expectRefused(outcome, method, target);
      expect(!outcome.ok && outcome.error.message).toMatch(/was not chosen in a save dialog$/);
    }
    const chosen = await s.chooseSave(dir('out', 'grid.png'));
    expect(chosen).toBe(dir('out', 'grid.png'));
    expect(await s.call(method, params(dir('out', 'grid.png')))).toMatchObject({ ok: true });
    expect(await s.call(method, params(dir('out', '.', 'grid.png')))).toMatchObject({ ok: true });
    // The save path grants no other file, nor anything "under" it.
    for (const target of [dir('out', 'other.png'), dir('out', 'grid.png', 'x')])
      expectRefused(await s.call(method, params(target)), method, target);
    // Exporting without a path (the bytes come back to the page) needs no grant.
    const { path: _path, ...bytesOnly } = params(dir('x')) as { path: string };
    expect(await s.call(method, bytesOnly)).toMatchObject({ ok: true });
    expect(s.engineCalls).toEqual([method, method, method]);
  });

  it('lets built-in datasets through without a grant', async () => {
    const s = setup();
    for (const spec of ['mnist', ' MNIST ', 'fashion-mnist', 'shapes', 'toy:moons', 'Toy:rings']) {
      expect(await s.call('describeDataset', { spec })).toMatchObject({ ok: true });
      expect(await s.call('startTraining', training(spec))).toMatchObject({ ok: true });
    }
    // Nothing to look up in the library either.
    expect(s.invoke.mock.calls.map(([m]) => m)).not.toContain('listDatasets');
  });

  it('refuses idx: when one of its two files was not chosen', async () => {
    const s = setup();
    await s.chooseFolder(dir('chosen'));
    const images = dir('chosen', 'train-images-idx3-ubyte');
    const ours = dir('chosen', 'train-labels-idx1-ubyte');
    const theirs = dir('other', 'train-labels-idx1-ubyte');
    for (const spec of [`idx:${images},${theirs}`, `idx:${theirs}, ${images}`]) {
      const outcome = await s.call('describeDataset', { spec });
      expectRefused(outcome, 'describeDataset', theirs);
      expect(!outcome.ok && outcome.error.message).not.toContain(images);
      expectRefused(await s.call('startTraining', training(spec)), 'startTraining', theirs);
    }
    expect(await s.call('describeDataset', { spec: `idx:${images}, ${ours}` })).toMatchObject({
      ok: true,
    });
    expect(s.engineCalls).toEqual(['describeDataset']);
  });

  it('refuses relative paths and ~, which the engine would resolve differently', async () => {
    const s = setup();
    await s.chooseFolder(dir('chosen'));
    const cases: [MethodName, unknown, string][] = [
      ['describeDataset', { spec: 'folder:~/Pictures' }, '"~/Pictures" is not an absolute path'],
      ['describeDataset', { spec: 'folder:chosen' }, '"chosen" is not an absolute path'],
      ['importFolderDataset', { path: '.' }, '"." is not an absolute path'],
      ['startTraining', training('idx:a,b'), '"a" is not an absolute path'],
      ['exportNpy', { data: new Float32Array(1), shape: [1], path: 'x.npy' }, '"x.npy"'],
    ];
    for (const [method, params, message] of cases)
      expectRefused(await s.call(method, params), method, message);
    expect(s.engineCalls).toEqual([]);
  });

  it.runIf(canLink)('follows symbolic links before deciding', async () => {
    const s = setup();
    await s.chooseFolder(dir('chosen'));
    // A link inside the chosen folder that leads out of it.
    const escape = dir('chosen', 'escape');
    const outcome = await s.call('describeDataset', { spec: `folder:${escape}` });
    expectRefused(outcome, 'describeDataset', `${escape} (${dir('other')})`);
    expectRefused(
      await s.call('importModel', { path: dir('chosen', 'escape', 'b.png') }),
      'importModel',
      dir('other', 'b.png'),
    );
    // Another name for the chosen folder is the chosen folder.
    expect(
      await s.call('describeDataset', { spec: `folder:${dir('link-to-chosen', 'cats')}` }),
    ).toMatchObject({ ok: true });
    // A dangling link could point a write anywhere, even at a granted name.
    await s.chooseSave(dir('out', 'dangling.png'));
    expectRefused(
      await s.call('exportNpy', {
        data: new Float32Array(1),
        shape: [1],
        path: dir('out', 'dangling.png'),
      }),
      'exportNpy',
      'symbolic link to a missing target',
    );
  });

  it('lets datasets the library holds through, exactly', async () => {
    const s = setup();
    const imported = dir('imported');
    const trainedOn = dir('trained-on', 'images-idx3-ubyte');
    expect(await s.call('describeDataset', { spec: `folder:${imported}` })).toMatchObject({
      ok: true,
    });
    expect(await s.call('startTraining', training(`idx:${trainedOn}`))).toMatchObject({
      ok: true,
    });
    expect(await s.call('importFolderDataset', { path: imported })).toMatchObject({ ok: true });
    // Not what lies under an imported folder, nor other files beside a model's dataset, nor
    // the library's datasets as checkpoints to import.
    const below = dir('imported', 'dogs');
    expectRefused(
      await s.call('describeDataset', { spec: `folder:${below}` }),
      'describeDataset',
      below,
    );
    expectRefused(
      await s.call('startTraining', training(`idx:${trainedOn},${dir('other', 'b.png')}`)),
      'startTraining',
      dir('other', 'b.png'),
    );
    expectRefused(await s.call('importModel', { path: imported }), 'importModel', imported);
    expect(s.engineCalls).toEqual(['describeDataset', 'startTraining', 'importFolderDataset']);
  });

  it('grants nothing when the dialog is cancelled', async () => {
    const s = setup();
    expect(await s.chooseFolder('')).toBeNull();
    expect(await s.chooseSave('')).toBeNull();
    expectRefused(await s.call('importModel', { path: tmp }), 'importModel', tmp);
  });

  it('answers a spec the engine cannot parse, or a path that is not a string, as invalid', async () => {
    const s = setup();
    const unknown = await s.call('describeDataset', { spec: 'ftp:/etc' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
    expect(!unknown.ok && unknown.error.message).toContain('unknown dataset "ftp:/etc"');
    expect(await s.call('importModel', { path: ['/etc'] })).toEqual({
      ok: false,
      error: { code: 'invalid-params', message: 'importModel: "path" must be a string' },
    });
    expect(s.engineCalls).toEqual([]);
  });

  it('knows every contract param that names a path or a dataset spec', () => {
    const found: string[] = [];
    for (const method of METHOD_NAMES) {
      for (const at of pathLikeKeys(methods[method].params)) found.push(`${method}:${at}`);
    }
    const listed = Object.entries(PATH_PARAMS).map(([m, p]) => `${m}:${p!.at.join('.')}`);
    expect(found.sort()).toEqual(listed.sort());
  });
});

/** Keys (dotted, through nested objects) named like a path or a dataset spec. */
function pathLikeKeys(schema: unknown, prefix: string[] = []): string[] {
  const def = (schema as { def?: { type: string; [k: string]: unknown } }).def;
  if (!def) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return pathLikeKeys(def.innerType, prefix);
    case 'pipe':
      return pathLikeKeys(def.in, prefix);
    case 'object':
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([key, value]) => {
        const at = [...prefix, key];
        const own = /path|spec|dir|file|folder/i.test(key) ? [at.join('.')] : [];
        return [...own, ...pathLikeKeys(value, at)];
      });
    default:
      return [];
  }
}
