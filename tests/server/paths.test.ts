import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtlasWsClient } from '../../src-main/api/client-ws';
import { AtlasError } from '../../src-main/api/errors';
import type { MethodName } from '../../src-main/api/names';
import { defaultDemoDir } from '../../src-main/host/library/paths';
import { startServer, type RunningServer } from '../../src-main/server';
import { PATH_PARAMS } from '../../src-main/access/page-paths';
import { validParams } from '../api/samples';
import { goodClient } from './raw-client';

/**
 * Paths are capabilities over `serve`: the page reads only the library (with its datasets and
 * uploads folders) and --allow-dir folders, writes only into <library>/exports and --allow-dir
 * folders, never over a file unless asked, never through a relative path or a link out.
 */

let root: string;
let server: RunningServer;
let api: AtlasWsClient;
const at = (...parts: string[]) => path.join(root, ...parts);
const canLink = process.platform !== 'win32';

async function refusal(promise: Promise<unknown>): Promise<AtlasError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AtlasError);
  return err as AtlasError;
}

const npy = (target: string, overwrite?: boolean) =>
  api.exportNpy({
    data: Float32Array.from([1, 2]),
    shape: [2],
    path: target,
    ...(overwrite === undefined ? {} : { overwrite }),
  });
const png = (target: string) =>
  api.exportPng({ images: new Float32Array(16).fill(0.5), n: 1, shape: [4, 4, 1], path: target });

beforeAll(async () => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'atlas-serve-paths-')));
  mkdirSync(at('outside'));
  writeFileSync(at('outside', 'victim.txt'), 'do not touch');
  writeFileSync(at('outside', 'victim.npy'), 'do not touch');
  mkdirSync(at('allowed', 'icons', 'a'), { recursive: true });
  for (let i = 0; i < 4; i++) {
    await sharp(Buffer.alloc(8 * 8, i * 60), { raw: { width: 8, height: 8, channels: 1 } })
      .png()
      .toFile(at('allowed', 'icons', 'a', `${i}.png`));
  }
  server = await startServer({
    libraryDir: at('lib'),
    demoDir: null,
    rendererDir: at('no-renderer'),
    allowDirs: [at('allowed')],
    warn: () => {},
    warm: false,
  });
  cpSync(path.join(defaultDemoDir(), 'shapes-gaussian-6'), at('lib', 'uploads', 'shapes'), {
    recursive: true,
  });
  if (canLink) {
    symlinkSync(at('outside'), at('lib', 'datasets', 'escape'));
    symlinkSync(at('outside', 'victim.npy'), at('lib', 'exports', 'link.npy'));
    symlinkSync(at('outside'), at('allowed', 'way-out'));
  }
  api = await goodClient(server.port, server.token);
});
afterAll(async () => {
  api.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('serve: where the page may write', () => {
  it('makes the library, its exports, uploads and datasets folders the only defaults', () => {
    expect(server.folders).toEqual({
      library: at('lib'),
      exports: at('lib', 'exports'),
      uploads: at('lib', 'uploads'),
      datasets: at('lib', 'datasets'),
    });
    expect(server.readable).toEqual([at('lib'), at('allowed')]);
    expect(server.writable).toEqual([at('lib', 'exports'), at('allowed')]);
  });

  it('refuses exports outside the exports folder and --allow-dir folders', async () => {
    for (const target of [
      at('outside', 'x.npy'),
      path.join(os.tmpdir(), 'somewhere-else', 'x.npy'),
      at('lib', 'x.npy'), // the library's checkpoints are not the page's to write
      at('lib', 'uploads', 'x.npy'),
      '/etc/x.npy',
    ]) {
      const err = await refusal(npy(target));
      expect(err.code, target).toBe('refused');
      expect(err.message).toContain('outside the folders serve may write');
      expect(err.message).toContain('--allow-dir');
      expect(existsSync(target)).toBe(false);
    }
    const err = await refusal(png(at('outside', 'sheet.png')));
    expect(err.message).toMatch(/^refused "exportPng": .*sheet\.png is outside/);
    expect(existsSync(at('outside', 'sheet.png'))).toBe(false);
  });

  it('writes into the exports folder and --allow-dir folders', async () => {
    const target = at('lib', 'exports', 'z.npy');
    expect((await npy(target)).path).toBe(target);
    expect(readFileSync(target).subarray(1, 6).toString()).toBe('NUMPY');
    expect((await png(at('allowed', 'sheets', 'grid.png'))).path).toBe(
      at('allowed', 'sheets', 'grid.png'),
    );
    expect(
      readFileSync(at('allowed', 'sheets', 'grid.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('never overwrites a file unless the request says so, and only inside an allowed folder', async () => {
    const target = at('lib', 'exports', 'keep.npy');
    writeFileSync(target, 'mine');
    const err = await refusal(npy(target));
    expect(err.code).toBe('refused');
    expect(err.message).toContain('exists; send overwrite: true to replace it');
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect((await refusal(npy(target, false))).code).toBe('refused');
    expect((await npy(target, true)).path).toBe(target);
    expect(readFileSync(target).subarray(1, 6).toString()).toBe('NUMPY');
    // Saying so does not help outside the allowed folders.
    const outside = await refusal(npy(at('outside', 'victim.npy'), true));
    expect(outside.message).toContain('outside the folders serve may write');
    expect(readFileSync(at('outside', 'victim.npy'), 'utf8')).toBe('do not touch');
  });

  it('applies the same rules to the JSON sidecar an exported sheet brings', async () => {
    const sheet = (target: string, overwrite?: boolean) =>
      api.exportPng({
        images: new Float32Array(16).fill(0.5),
        n: 1,
        shape: [4, 4, 1],
        path: target,
        sidecar: '{"z":[0]}',
        ...(overwrite === undefined ? {} : { overwrite }),
      });
    writeFileSync(at('lib', 'exports', 'fav.json'), 'mine');
    const err = await refusal(sheet(at('lib', 'exports', 'fav.png')));
    expect(err.message).toContain('sidecar fav.json that exists');
    expect(readFileSync(at('lib', 'exports', 'fav.json'), 'utf8')).toBe('mine');
    expect(existsSync(at('lib', 'exports', 'fav.png'))).toBe(false);
    if (canLink) {
      // A sidecar name that is a link out is never written through, overwrite or not.
      symlinkSync(at('outside', 'victim.txt'), at('lib', 'exports', 'linked.json'));
      const linked = await refusal(sheet(at('lib', 'exports', 'linked.png'), true));
      expect(linked.message).toContain('not a regular file');
      expect(readFileSync(at('outside', 'victim.txt'), 'utf8')).toBe('do not touch');
    }
    expect((await sheet(at('lib', 'exports', 'fav.png'), true)).path).toBe(
      at('lib', 'exports', 'fav.png'),
    );
    expect(readFileSync(at('lib', 'exports', 'fav.json'), 'utf8')).toBe('{"z":[0]}');
  });

  it('writes only the file type the method makes, and never a folder', async () => {
    const json = await refusal(npy(at('lib', 'exports', 'manifest.json')));
    expect(json.message).toContain('must end in .npy');
    const asPng = await refusal(png(at('allowed', 'notes.txt')));
    expect(asPng.message).toContain('must end in .png');
    const folder = await refusal(npy(at('lib', 'exports'), true));
    expect(folder.code).toBe('refused');
    mkdirSync(at('allowed', 'dir.npy'));
    const dir = await refusal(npy(at('allowed', 'dir.npy'), true));
    expect(dir.message).toContain('is not a regular file');
  });

  it.runIf(canLink)(
    'follows links before deciding: one out of the exports folder is refused',
    async () => {
      const err = await refusal(npy(at('lib', 'exports', 'link.npy'), true));
      expect(err.message).toContain(`(${at('outside', 'victim.npy')}) is outside`);
      const escape = await refusal(npy(at('allowed', 'way-out', 'x.npy')));
      expect(escape.message).toContain('is outside the folders serve may write');
      expect(readFileSync(at('outside', 'victim.npy'), 'utf8')).toBe('do not touch');
      expect(existsSync(at('outside', 'x.npy'))).toBe(false);
    },
  );
});

describe('serve: what the page may read', () => {
  it('refuses the probes: /etc, /proc/self, /root', async () => {
    const probes: [string, Promise<unknown>][] = [
      ['importModel /etc', api.importModel({ path: '/etc' })],
      ['importModel /root', api.importModel({ path: '/root' })],
      ['describeDataset folder:/proc/self', api.describeDataset({ spec: 'folder:/proc/self' })],
      ['describeDataset folder:/root', api.describeDataset({ spec: 'folder:/root' })],
      ['describeDataset idx:/etc/passwd', api.describeDataset({ spec: 'idx:/etc/passwd' })],
      ['importFolderDataset /root', api.importFolderDataset({ path: '/root' })],
      [
        'startTraining on folder:/etc',
        api.startTraining({
          ...validParams.startTraining,
          dataset: { spec: 'folder:/etc' },
        } as Parameters<typeof api.startTraining>[0]),
      ],
    ];
    for (const [what, promise] of probes) {
      const err = await refusal(promise);
      expect(err.code, what).toBe('refused');
      expect(err.message, what).toContain('outside the folders serve may read');
    }
    expect((await api.listJobs()).jobs).toEqual([]);
  });

  it('refuses relative paths: nothing resolves against the engine’s working directory', async () => {
    const probes: Promise<unknown>[] = [
      npy('x.npy'),
      npy('../x.npy'),
      npy('~/x.npy'),
      png('exports/x.png'),
      api.importModel({ path: 'ckpt' }),
      api.importFolderDataset({ path: './icons' }),
      api.describeDataset({ spec: 'folder:images' }),
      api.describeDataset({ spec: 'folder:~/Pictures' }),
      api.describeDataset({ spec: 'idx:train-images-idx3-ubyte' }),
    ];
    for (const promise of probes) {
      const err = await refusal(promise);
      expect(err.code).toBe('refused');
      expect(err.message).toContain('is not an absolute path');
    }
  });

  it.runIf(canLink)(
    'follows links before deciding: a link out of the library is refused',
    async () => {
      const err = await refusal(
        api.describeDataset({ spec: `folder:${at('lib', 'datasets', 'escape')}` }),
      );
      expect(err.message).toContain(`(${at('outside')}) is outside the folders serve may read`);
    },
  );

  it('reads --allow-dir folders and the library’s uploads', async () => {
    const described = await api.describeDataset({
      spec: `folder:${at('allowed', 'icons')}`,
      options: { size: 8, channels: 1 },
      preview: 1,
    });
    expect(described.dataset.trainCount + described.dataset.testCount).toBe(4);
    const { model } = await api.importModel({ path: at('lib', 'uploads', 'shapes') });
    expect(model.modelId).toMatch(/^shapes/);
  });

  it('checks every method PATH_PARAMS lists: a path outside is refused for each', async () => {
    const outside = at('outside');
    for (const [method, param] of Object.entries(PATH_PARAMS) as [
      MethodName,
      (typeof PATH_PARAMS)[MethodName] & {},
    ][]) {
      const params = structuredClone(validParams[method]) as Record<string, unknown>;
      const value =
        param.use === 'dataset-spec'
          ? `folder:${outside}`
          : param.use === 'save'
            ? path.join(outside, 'f.npy')
            : outside;
      let holder = params;
      for (const key of param.at.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
      holder[param.at.at(-1)!] = value;
      const err = await refusal(
        (api as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method](params),
      );
      expect(err.code, method).toBe('refused');
      expect(err.message, method).toContain(`refused "${method}"`);
    }
  });
});

describe('serve --allow-dir', () => {
  it('refuses a folder that does not exist, naming it', async () => {
    await expect(
      startServer({
        libraryDir: at('lib2'),
        demoDir: null,
        allowDirs: [at('no-such-folder')],
        warm: false,
      }),
    ).rejects.toThrow(`--allow-dir ${at('no-such-folder')}: not an existing folder`);
  });
});
