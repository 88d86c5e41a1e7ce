import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtlasWsClient } from '../../src-main/api/client-ws';
import { AtlasError } from '../../src-main/api/errors';
import { IMAGE_EXTENSIONS } from '../../src-main/engine/data/folder';
import { defaultDemoDir } from '../../src-main/host/library/paths';
import { UPLOAD_IMAGE_EXTENSIONS } from '../../src-main/host/library/uploads';
import { startServer, type RunningServer } from '../../src-main/server';
import { goodClient } from './raw-client';

/**
 * Uploads over `serve`: a checkpoint zip or folder, and a folder or zip of images, go into the
 * library through the contract; everything that breaks the rules is refused with a line naming
 * the file, and leaves nothing behind.
 */

let root: string;
let server: RunningServer;
let api: AtlasWsClient;
const at = (...parts: string[]) => path.join(root, ...parts);
const DEMO = path.join(defaultDemoDir(), 'shapes-gaussian-6');

interface SentFile {
  name: string;
  bytes: Uint8Array;
}

/** Sends `files` as one upload, in chunks of `chunk` bytes, and finishes it. */
async function upload(
  kind: 'checkpoint' | 'images',
  name: string,
  files: SentFile[],
  options: { chunk?: number; finish?: boolean; totalBytes?: number } = {},
) {
  const totalBytes = options.totalBytes ?? files.reduce((a, f) => a + f.bytes.length, 0);
  const { uploadId } = await api.uploadBegin({ kind, name, totalBytes, entries: files.length });
  const chunk = options.chunk ?? 64 * 1024;
  for (const file of files) {
    for (let offset = 0; offset < file.bytes.length; offset += chunk) {
      await api.uploadChunk({
        uploadId,
        entry: file.name,
        offset,
        bytes: file.bytes.subarray(offset, offset + chunk),
      });
    }
  }
  if (options.finish === false) return { uploadId };
  return { uploadId, ...(await api.uploadFinish({ uploadId })) };
}

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

/** The checkpoint's files (without its cache), as a zip would hold them under `prefix`. */
function checkpointFiles(prefix: string): SentFile[] {
  const out: SentFile[] = [];
  for (const rel of [
    'manifest.json',
    'encoder/model.json',
    'encoder/weights.bin',
    'decoder/model.json',
    'decoder/weights.bin',
  ])
    out.push({
      name: `${prefix}${rel}`,
      bytes: new Uint8Array(readFileSync(path.join(DEMO, rel))),
    });
  return out;
}

function zipOf(files: SentFile[], attrs?: Record<string, number>): Uint8Array {
  const tree: Zippable = {};
  for (const f of files)
    tree[f.name] = attrs?.[f.name] ? [f.bytes, { attrs: attrs[f.name] }] : f.bytes;
  return zipSync(tree, { level: 6 });
}

let images: SentFile[];

/** What the uploads folder and the library hold besides what the tests made on purpose. */
function leftovers(): string[] {
  return readdirSync(at('lib', 'uploads')).filter((n) => n.startsWith('.partial-'));
}

beforeAll(async () => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'atlas-serve-uploads-')));
  images = [];
  for (let i = 0; i < 6; i++) {
    const png = await sharp(Buffer.alloc(8 * 8, i * 40), {
      raw: { width: 8, height: 8, channels: 1 },
    })
      .png()
      .toBuffer();
    images.push({ name: `icons/${i < 3 ? 'cats' : 'dogs'}/${i}.png`, bytes: new Uint8Array(png) });
  }
  server = await startServer({
    libraryDir: at('lib'),
    demoDir: null,
    rendererDir: at('no-renderer'),
    warn: () => {},
    warm: false,
    uploadLimits: {
      maxTotalBytes: 16 * 1024 * 1024,
      maxFileBytes: 6 * 1024 * 1024,
      maxFiles: 50,
      maxUnzippedBytes: 10 * 1024 * 1024,
      idleMs: 400,
    },
  });
  api = await goodClient(server.port, server.token);
});
afterAll(async () => {
  api.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('serve: uploads', () => {
  it('imports a checkpoint zip into the library, and it opens and decodes', async () => {
    const zip = zipOf(checkpointFiles('shapes/'));
    const done = await upload('checkpoint', 'Shapes from a zip', [
      { name: 'shapes.zip', bytes: zip },
    ]);
    expect(done.model?.name).toBe('Shapes from a zip');
    const { model } = await api.openModel({ modelId: done.model!.modelId });
    expect(model.latent.dim).toBe(6);
    const { images: out } = await api.decode({
      modelId: model.modelId,
      z: new Float32Array(6),
      n: 1,
    });
    expect(out.length).toBeGreaterThan(0);
    const { models } = await api.listModels({});
    expect(models.map((m) => m.modelId)).toContain(model.modelId);
    expect(leftovers()).toEqual([]);
  }, 60_000);

  it('imports a checkpoint sent as a folder of files, in small chunks', async () => {
    const done = await upload(
      'checkpoint',
      'Shapes folder',
      checkpointFiles('shapes-gaussian-6/'),
      {
        chunk: 4096,
      },
    );
    expect(done.model?.name).toBe('Shapes folder');
    expect((await api.openModel({ modelId: done.model!.modelId })).model.hasEncoder).toBe(true);
  }, 60_000);

  it('turns a folder of images into a dataset that trains', async () => {
    const done = await upload('images', 'icons', images);
    expect(done.spec).toMatch(/^folder:.*uploads/);
    expect(done.dataset?.labelNames).toEqual(['cats', 'dogs']);
    const folder = done.spec!.slice('folder:'.length);
    expect(path.dirname(folder)).toBe(at('lib', 'uploads'));
    const { dataset } = await api.describeDataset({ spec: done.spec!, options: { size: 8 } });
    expect(dataset.trainCount + dataset.testCount).toBe(6);
    const { job } = await api.startTraining({
      dataset: { spec: done.spec!, options: { size: 8 } },
      model: {
        inputShape: [8, 8, 1],
        latent: { kind: 'gaussian', dim: 2 },
        objective: { kind: 'kl', weight: 1 },
        net: { kind: 'mlp', hidden: [8] },
        likelihood: 'bernoulli',
      },
      train: { epochs: 1, batchSize: 2 },
    });
    expect(job.state).not.toBe('failed');
    await api.cancelTraining({ jobId: job.jobId }).catch(() => undefined);
  }, 60_000);

  it('turns a zip of images into a dataset', async () => {
    const done = await upload('images', 'zipped icons', [
      {
        name: 'icons.zip',
        bytes: zipOf([...images, { name: '__MACOSX/._0.png', bytes: new Uint8Array(3) }]),
      },
    ]);
    expect(done.dataset?.labelNames).toEqual(['cats', 'dogs']);
  }, 60_000);

  it('refuses zip-slip, absolute and symbolic-link entries, and leaves nothing', async () => {
    const before = readdirSync(at('lib'));
    const cases: [SentFile[], Record<string, number> | undefined, RegExp][] = [
      [[{ name: '../evil.png', bytes: images[0].bytes }], undefined, /evil\.png/],
      [[{ name: 'a/../../evil.png', bytes: images[0].bytes }], undefined, /evil\.png/],
      [[{ name: '/etc/evil.png', bytes: images[0].bytes }], undefined, /evil\.png/],
      [
        [{ name: 'link.png', bytes: new TextEncoder().encode('/etc/passwd') }],
        { 'link.png': 0o120777 << 16 },
        /"link\.png" is a symbolic link/,
      ],
    ];
    for (const [files, attrs, message] of cases) {
      const err = await refusal(
        upload('images', 'bad', [{ name: 'bad.zip', bytes: zipOf(files, attrs) }]),
      );
      expect(err.message).toMatch(message);
      expect(err.message.split('\n')).toHaveLength(1);
    }
    expect(existsSync(path.join(root, 'evil.png'))).toBe(false);
    expect(existsSync(at('lib', 'evil.png'))).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(at('lib'))).toEqual(before);
  });

  it('refuses bad names in a folder upload before writing', async () => {
    const { uploadId } = await api.uploadBegin({ kind: 'images', name: 'x', totalBytes: 10 });
    // The contract refuses ".." before the upload store sees it; the upload stays open.
    let err = await refusal(
      api.uploadChunk({ uploadId, entry: '../b.png', offset: 0, bytes: new Uint8Array(1) }),
    );
    expect(err.code).toBe('invalid-params');
    expect(err.message).toContain('entry');
    // The store refuses what the contract lets through, and drops the upload.
    err = await refusal(
      api.uploadChunk({ uploadId, entry: 'a\\..\\b.png', offset: 0, bytes: new Uint8Array(1) }),
    );
    expect(err.message).toContain('backslash');
    expect(leftovers()).toEqual([]);
    expect((await refusal(api.uploadFinish({ uploadId }))).code).toBe('not-found');
  });

  it('refuses a checkpoint that does not load, naming the upload and the file', async () => {
    const files = checkpointFiles('broken/').map((f) =>
      f.name.endsWith('decoder/weights.bin') ? { ...f, bytes: f.bytes.subarray(0, 1000) } : f,
    );
    const err = await refusal(upload('checkpoint', 'broken', files));
    expect(err.message).toMatch(
      /^upload "broken" is not a usable model: .*decoder\/weights\.bin: 1000 bytes/,
    );
    expect(err.message).not.toContain('.partial-');
    expect(err.message.split('\n')).toHaveLength(1);
    expect(leftovers()).toEqual([]);
    const { models } = await api.listModels({});
    expect(models.map((m) => m.name)).not.toContain('broken');
  }, 60_000);

  it('refuses wrong file types, naming the file', async () => {
    let err = await refusal(
      upload('images', 'mixed', [images[0], { name: 'icons/run.sh', bytes: new Uint8Array(4) }]),
    );
    expect(err.message).toMatch(/icons\/run\.sh is not an image/);
    err = await refusal(
      upload('checkpoint', 'ckpt', [
        {
          name: 'c.zip',
          bytes: zipOf([...checkpointFiles(''), { name: 'evil.exe', bytes: new Uint8Array(2) }]),
        },
      ]),
    );
    expect(err.message).toMatch(/evil\.exe is not a checkpoint file/);
    err = await refusal(
      upload('checkpoint', 'not one', [{ name: 'x/notes.json', bytes: new Uint8Array(2) }]),
    );
    expect(err.message).toContain('holds no model');
    err = await refusal(
      upload('images', 'junk', [{ name: 'junk.zip', bytes: new Uint8Array(100) }]),
    );
    expect(err.message).toContain('not a readable zip');
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('refuses oversized uploads, files and zip bombs', async () => {
    let err = await refusal(
      api.uploadBegin({ kind: 'images', name: 'big', totalBytes: 17 * 1024 * 1024 }),
    );
    expect(err.message).toMatch(/over the 16\.0 MiB/);
    err = await refusal(
      upload(
        'images',
        'big file',
        [{ name: 'huge.png', bytes: new Uint8Array(6 * 1024 * 1024 + 1) }],
        {
          chunk: 1024 * 1024,
        },
      ),
    );
    expect(err.message).toMatch(/huge\.png is over the 6\.0 MiB/);
    // 11 MiB of zeros deflate to a few KiB: refused from the entry headers, before inflating.
    const bomb = zipOf([
      { name: 'a.png', bytes: new Uint8Array(4 * 1024 * 1024) },
      { name: 'b.png', bytes: new Uint8Array(4 * 1024 * 1024) },
      { name: 'c.png', bytes: new Uint8Array(3 * 1024 * 1024) },
    ]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    err = await refusal(upload('images', 'bomb', [{ name: 'bomb.zip', bytes: bomb }]));
    expect(err.message).toMatch(/inflates to more than 10\.0 MiB \(at c\.png\)/);
    err = await refusal(
      upload(
        'images',
        'many',
        Array.from({ length: 51 }, (_, i) => ({ name: `${i}.png`, bytes: images[0].bytes })),
      ),
    );
    expect(err.message).toContain('files');
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('refuses truncated and unfinished uploads, and drops abandoned ones', async () => {
    const zip = zipOf(checkpointFiles(''));
    // Announced whole, half sent: finishing is refused.
    const half = await upload(
      'checkpoint',
      'half',
      [{ name: 'c.zip', bytes: zip.subarray(0, zip.length >> 1) }],
      {
        finish: false,
        totalBytes: zip.length,
      },
    );
    let err = await refusal(api.uploadFinish({ uploadId: half.uploadId }));
    expect(err.message).toMatch(/incomplete/);
    // A zip cut short, announced as what it is: not a readable zip.
    err = await refusal(
      upload('checkpoint', 'cut', [{ name: 'c.zip', bytes: zip.subarray(0, zip.length - 30) }]),
    );
    expect(err.message).toMatch(/c\.zip|zip/);
    // Out-of-order chunks.
    const { uploadId } = await api.uploadBegin({ kind: 'images', name: 'gap', totalBytes: 100 });
    err = await refusal(
      api.uploadChunk({ uploadId, entry: 'a.png', offset: 10, bytes: new Uint8Array(5) }),
    );
    expect(err.message).toMatch(/a\.png: chunk at byte 10, expected 0/);
    // Abandoned: dropped after the idle timeout (400 ms here).
    const idle = await upload('images', 'idle', [images[0]], { finish: false, totalBytes: 10_000 });
    expect(leftovers()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 700));
    expect(leftovers()).toEqual([]);
    err = await refusal(api.uploadFinish({ uploadId: idle.uploadId }));
    expect(err.code).toBe('not-found');
    const { models } = await api.listModels({});
    expect(models.map((m) => m.name)).not.toContain('half');
    expect(models.map((m) => m.name)).not.toContain('cut');
  }, 30_000);

  it("keeps chunks far below serve's message limit", async () => {
    const { maxChunkBytes } = await api.uploadBegin({ kind: 'images', name: 'n', totalBytes: 1 });
    expect(maxChunkBytes).toBeLessThanOrEqual(server.limits.maxFrameBytes / 8);
  });
});

describe('upload store', () => {
  it('accepts exactly the image types the folder dataset reads', () => {
    expect([...UPLOAD_IMAGE_EXTENSIONS]).toEqual(IMAGE_EXTENSIONS);
  });
});
