import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { MAX_UPLOAD_CHUNK } from '../../api/contract';
import { AtlasError } from '../../api/errors';
import { isCheckpointDir, nameOnnxFiles } from './checkpoint-files';
import { embeddingSource, EMBEDDING_UPLOAD_EXTENSIONS } from './embedding-files';

/**
 * The image types the folder dataset reads (engine/data/folder.ts IMAGE_EXTENSIONS, which
 * tests/host/uploads.test.ts holds equal): copied, because this file runs in Electron's main
 * process and `serve`, which must not load the engine (TensorFlow.js, sharp).
 */
export const UPLOAD_IMAGE_EXTENSIONS = [
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
] as const;

/**
 * Files sent from the page into the library (`uploadBegin` / `uploadChunk` / `uploadFinish`).
 *
 * An upload is a set of files under relative paths, or one `.zip`. Everything is received into
 * `<library>/uploads/.partial-<id>/`, checked (names, types, sizes; a zip's entries before a byte
 * is inflated), and only then moved where it belongs: an images upload is renamed to
 * `<library>/uploads/<id>/` (a `folder:` dataset), a checkpoint is handed to the library's import,
 * which copies it under a fresh model id. A refused, cancelled or abandoned upload is removed
 * whole, so nothing partial ever enters the library.
 */

export interface UploadLimits {
  /** Most bytes one upload may send (a zip counts as sent, not inflated). */
  maxTotalBytes: number;
  /** Most bytes one file may have, sent or inflated from a zip. */
  maxFileBytes: number;
  /** Most files in one upload, counting a zip's entries. */
  maxFiles: number;
  /** Most bytes a zip may inflate to, all entries together (a decompression-bomb guard). */
  maxUnzippedBytes: number;
  /** An upload that receives nothing for this long is dropped. */
  idleMs: number;
  /** Most uploads open at once. */
  maxOpen: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxTotalBytes: 1024 ** 3,
  maxFileBytes: 512 * 1024 ** 2,
  maxFiles: 100_000,
  maxUnzippedBytes: 2 * 1024 ** 3,
  idleMs: 10 * 60_000,
  maxOpen: 16,
};

export type UploadKind = 'checkpoint' | 'images';

/** The file types each kind may hold (lower case, with the dot). */
const ALLOWED: Record<UploadKind, readonly string[]> = {
  // manifest and layers models (.json), weights (.bin), the latent cache (.npy and its .json),
  // ONNX graphs (.onnx) and their atlas.json; an embedding's vectors (.npy, .tsv), metadata
  // (.tsv), projector_config.pbtxt and thumbnails (a sprite, or a folder of images).
  checkpoint: [
    ...new Set([
      '.json',
      '.bin',
      '.npy',
      '.onnx',
      ...EMBEDDING_UPLOAD_EXTENSIONS,
      '.png',
      '.jpg',
      '.jpeg',
      '.webp',
    ]),
  ],
  images: UPLOAD_IMAGE_EXTENSIONS,
};

/** Files that operating systems add to folders and zips: skipped, never refused. */
function isClutter(relative: string): boolean {
  const parts = relative.split('/');
  const base = parts[parts.length - 1];
  return (
    parts[0] === '__MACOSX' ||
    base === '.DS_Store' ||
    base === 'Thumbs.db' ||
    base === 'desktop.ini' ||
    base.startsWith('._')
  );
}

interface Upload {
  id: string;
  kind: UploadKind;
  name: string;
  totalBytes: number;
  received: number;
  dir: string;
  /** Bytes written so far per relative file name. */
  files: Map<string, number>;
  timer: NodeJS.Timeout;
  busy: boolean;
}

/** What `finish` leaves for the caller to import: a checkpoint folder, or the final images folder. */
export interface FinishedUpload {
  kind: UploadKind;
  name: string;
  /** For a checkpoint: the checked folder to import (removed by `discard` afterwards). */
  dir: string;
  uploadId: string;
}

const refuse = (message: string) => new AtlasError('invalid-params', message);

/** Checks a relative name part by part; returns it normalised (`/`-separated). */
export function checkRelativeName(name: string, where: string): string {
  const fail = (why: string) => refuse(`${where}: "${name}" ${why}`);
  if (name.includes('\0')) throw fail('contains a NUL character');
  if (name.includes('\\')) throw fail('contains a backslash (send "/"-separated paths)');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw fail('is an absolute path');
  const parts = name.split('/').filter((p, i, all) => !(p === '' && i === all.length - 1));
  if (parts.length === 0 || parts.length > 32) throw fail('is empty or too deep');
  for (const part of parts) {
    if (part === '..') throw fail('leaves its folder ("..")');
    if (part === '' || part === '.') throw fail('has an empty part');
    if (part.length > 255) throw fail('has a part longer than 255 characters');
  }
  return parts.join('/');
}

export class UploadStore {
  private readonly uploads = new Map<string, Upload>();
  private readonly root: string;
  private tidied = false;

  constructor(
    libraryDir: string,
    readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {
    this.root = path.join(path.resolve(libraryDir), 'uploads');
  }

  /** Where finished images uploads live. */
  get uploadsDir(): string {
    return this.root;
  }

  async begin(kind: UploadKind, name: string, totalBytes: number, files?: number) {
    const { limits } = this;
    if (totalBytes > limits.maxTotalBytes) {
      throw refuse(
        `upload "${name}": ${mib(totalBytes)} is over the ${mib(limits.maxTotalBytes)} an upload may send`,
      );
    }
    if (files !== undefined && files > limits.maxFiles)
      throw refuse(`upload "${name}": ${files} files is over the ${limits.maxFiles} allowed`);
    if (this.uploads.size >= limits.maxOpen)
      throw new AtlasError('busy', `${limits.maxOpen} uploads are already open; finish one first`);
    await this.tidy();
    const id = `up-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const dir = path.join(this.root, `.partial-${id}`);
    await mkdir(path.join(dir, 'files'), { recursive: true });
    const upload: Upload = {
      id,
      kind,
      name,
      totalBytes,
      received: 0,
      dir,
      files: new Map(),
      timer: this.idleTimer(id),
      busy: false,
    };
    this.uploads.set(id, upload);
    return { uploadId: id, maxChunkBytes: MAX_UPLOAD_CHUNK };
  }

  async chunk(uploadId: string, file: string, offset: number, bytes: Uint8Array) {
    const upload = this.get(uploadId);
    let relative: string;
    try {
      relative = checkRelativeName(file, `upload "${upload.name}"`);
    } catch (err) {
      await this.drop(upload.id);
      throw err;
    }
    const { limits } = this;
    const have = upload.files.get(relative);
    if (have === undefined) {
      if (upload.files.size >= limits.maxFiles)
        throw await this.fail(upload, `${relative}: more than ${limits.maxFiles} files`);
      if (!isClutter(relative) && !relative.toLowerCase().endsWith('.zip'))
        await this.checkType(upload, relative);
    }
    const written = have ?? 0;
    if (offset !== written) {
      throw await this.fail(
        upload,
        `${relative}: chunk at byte ${offset}, expected ${written} (chunks must come in order)`,
      );
    }
    if (written + bytes.length > limits.maxFileBytes)
      throw await this.fail(
        upload,
        `${relative} is over the ${mib(limits.maxFileBytes)} a file may have`,
      );
    if (upload.received + bytes.length > upload.totalBytes)
      throw await this.fail(
        upload,
        `${relative}: more bytes than the ${upload.totalBytes} announced`,
      );
    if (upload.busy) throw new AtlasError('busy', `upload "${upload.name}" is still writing`);
    upload.busy = true;
    try {
      const target = path.join(upload.dir, 'files', ...relative.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      const handle = await open(target, written === 0 ? 'wx' : 'r+');
      try {
        await handle.write(bytes, 0, bytes.length, offset);
      } finally {
        await handle.close();
      }
    } catch (err) {
      upload.busy = false;
      throw await this.fail(upload, `${relative}: ${(err as Error).message}`);
    }
    upload.busy = false;
    upload.files.set(relative, written + bytes.length);
    upload.received += bytes.length;
    this.touch(upload);
    return { received: upload.received };
  }

  /**
   * Checks a complete upload and prepares it: a zip is inflated (entry by entry, within the
   * limits), the types and layout are checked. Images are renamed into `<uploads>/<id>/`; a
   * checkpoint is left in the partial folder for the caller to import, then `discard`.
   * Any refusal removes the upload.
   */
  async finish(uploadId: string): Promise<FinishedUpload> {
    const upload = this.get(uploadId);
    if (upload.busy) throw new AtlasError('busy', `upload "${upload.name}" is still writing`);
    upload.busy = true;
    clearTimeout(upload.timer);
    try {
      if (upload.received !== upload.totalBytes) {
        throw refuse(
          `upload "${upload.name}" is incomplete: ${upload.received} of ${upload.totalBytes} bytes arrived`,
        );
      }
      const names = [...upload.files.keys()].filter((f) => !isClutter(f));
      const tree = path.join(upload.dir, 'tree');
      if (names.length === 1 && names[0].toLowerCase().endsWith('.zip')) {
        await this.unzip(upload, path.join(upload.dir, 'files', ...names[0].split('/')), tree);
      } else {
        if (names.some((n) => n.toLowerCase().endsWith('.zip')))
          throw refuse(`upload "${upload.name}": send one zip alone, or files without a zip`);
        await rename(path.join(upload.dir, 'files'), tree);
      }
      await removeClutter(tree);
      const root = await singleRoot(tree);
      if (upload.kind === 'checkpoint') {
        await nameOnnxFiles(root);
        if (!isCheckpointDir(root) && !embeddingSource(root)) {
          throw refuse(
            `upload "${upload.name}" holds no model (no manifest.json, model.json, decoder/model.json or .onnx decoder at its top) and no embedding (vectors.npy or .tsv, with metadata.tsv)`,
          );
        }
        this.uploads.delete(upload.id);
        return { kind: 'checkpoint', name: upload.name, dir: root, uploadId: upload.id };
      }
      if ((await countFiles(root)) === 0) throw refuse(`upload "${upload.name}" holds no images`);
      const final = path.join(this.root, upload.id);
      await rename(root, final);
      await rm(upload.dir, { recursive: true, force: true });
      this.uploads.delete(upload.id);
      return { kind: 'images', name: upload.name, dir: final, uploadId: upload.id };
    } catch (err) {
      await this.drop(upload.id);
      throw err;
    }
  }

  /** Removes what is left of a finished checkpoint upload (after its import), or a final folder. */
  async discard(uploadId: string, final = false): Promise<void> {
    await this.drop(uploadId);
    await rm(path.join(this.root, `.partial-${uploadId}`), { recursive: true, force: true });
    if (final && /^up-[a-z0-9]+-[0-9a-f]+$/.test(uploadId))
      await rm(path.join(this.root, uploadId), { recursive: true, force: true });
  }

  async cancel(uploadId: string): Promise<boolean> {
    if (!this.uploads.has(uploadId)) return false;
    await this.drop(uploadId);
    return true;
  }

  /** Drops every open upload (the engine is closing). */
  close(): void {
    for (const upload of this.uploads.values()) {
      clearTimeout(upload.timer);
      void rm(upload.dir, { recursive: true, force: true }).catch(() => undefined);
    }
    this.uploads.clear();
  }

  /** Open uploads (tests, diagnostics). */
  get open(): number {
    return this.uploads.size;
  }

  private get(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload)
      throw new AtlasError(
        'not-found',
        `no open upload "${uploadId}" (finished, cancelled or expired)`,
      );
    return upload;
  }

  private async checkType(upload: Upload, relative: string): Promise<void> {
    const allowed = ALLOWED[upload.kind];
    const ext = path.extname(relative).toLowerCase();
    if (!allowed.includes(ext)) {
      throw await this.fail(
        upload,
        `${relative} is not ${upload.kind === 'checkpoint' ? 'a checkpoint file' : 'an image'} (allowed: ${allowed.join(', ')}, or one .zip)`,
      );
    }
  }

  /** Removes the upload and returns the error to throw. */
  private async fail(upload: Upload, message: string): Promise<AtlasError> {
    await this.drop(upload.id);
    return refuse(`upload "${upload.name}": ${message}`);
  }

  private async drop(uploadId: string): Promise<void> {
    const upload = this.uploads.get(uploadId);
    if (!upload) return;
    clearTimeout(upload.timer);
    this.uploads.delete(uploadId);
    await rm(upload.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => void this.drop(id), this.limits.idleMs);
    timer.unref();
    return timer;
  }

  private touch(upload: Upload): void {
    clearTimeout(upload.timer);
    upload.timer = this.idleTimer(upload.id);
  }

  /** Removes partial uploads a previous engine left behind (it crashed or was killed). */
  private async tidy(): Promise<void> {
    if (this.tidied) return;
    this.tidied = true;
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      if (name.startsWith('.partial-') && !this.uploads.has(name.slice('.partial-'.length)))
        await rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }

  /** Inflates `zipPath` into `target`, entry by entry, refusing anything outside the rules. */
  private async unzip(upload: Upload, zipPath: string, target: string): Promise<void> {
    const { limits } = this;
    const label = `upload "${upload.name}"`;
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(
        zipPath,
        { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: true },
        (err, file) =>
          err ? reject(refuse(`${label}: not a readable zip (${err.message})`)) : resolve(file),
      ),
    );
    if (zip.entryCount > limits.maxFiles) {
      zip.close();
      throw refuse(
        `${label}: the zip has ${zip.entryCount} entries, over the ${limits.maxFiles} allowed`,
      );
    }
    await mkdir(target, { recursive: true });
    let inflated = 0;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(err instanceof AtlasError ? err : refuse(`${label}: ${err.message}`));
      };
      zip.on('error', fail);
      zip.on('end', () => {
        if (!failed) resolve();
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const raw = entry.fileName;
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          if (mode === 0o120000) throw refuse(`${label}: "${raw}" is a symbolic link`);
          if (mode !== 0 && mode !== 0o100000 && mode !== 0o040000)
            throw refuse(`${label}: "${raw}" is not a plain file or folder`);
          if (entry.isEncrypted()) throw refuse(`${label}: "${raw}" is encrypted`);
          const relative = checkRelativeName(raw, label);
          if (raw.endsWith('/') || mode === 0o040000) {
            await mkdir(path.join(target, ...relative.split('/')), { recursive: true });
            return;
          }
          if (isClutter(relative)) return;
          const allowed = ALLOWED[upload.kind];
          if (!allowed.includes(path.extname(relative).toLowerCase())) {
            throw refuse(
              `${label}: ${relative} is not ${upload.kind === 'checkpoint' ? 'a checkpoint file' : 'an image'} (allowed: ${allowed.join(', ')})`,
            );
          }
          if (entry.uncompressedSize > limits.maxFileBytes)
            throw refuse(
              `${label}: ${relative} inflates to ${mib(entry.uncompressedSize)}, over the ${mib(limits.maxFileBytes)} a file may have`,
            );
          inflated += entry.uncompressedSize;
          if (inflated > limits.maxUnzippedBytes)
            throw refuse(
              `${label}: the zip inflates to more than ${mib(limits.maxUnzippedBytes)} (at ${relative})`,
            );
          const out = path.join(target, ...relative.split('/'));
          await mkdir(path.dirname(out), { recursive: true });
          const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
            zip.openReadStream(entry, (err, s) => (err ? rej(err) : res(s))),
          );
          // validateEntrySizes stops a stream that inflates past its declared size; count anyway.
          let seen = 0;
          const counter = new Transform({
            transform(chunk: Buffer, _enc, done) {
              seen += chunk.length;
              if (seen > entry.uncompressedSize)
                done(refuse(`${label}: ${relative} inflates past its declared size`));
              else done(null, chunk);
            },
          });
          await pipeline(stream, counter, createWriteStream(out, { flags: 'wx' })).catch(
            (err: Error) => {
              throw err instanceof AtlasError
                ? err
                : refuse(`${label}: ${relative}: ${err.message}`);
            },
          );
        })().then(() => {
          if (!failed) zip.readEntry();
        }, fail);
      });
      zip.readEntry();
    });
  }
}

/** `dir` itself, or its only child folder when that is all it holds (a zipped folder). */
async function singleRoot(dir: string): Promise<string> {
  let current = dir;
  for (let depth = 0; depth < 4; depth++) {
    if (isCheckpointDir(current)) return current;
    const entries = await readdir(current, { withFileTypes: true });
    if (entries.length !== 1 || !entries[0].isDirectory()) return current;
    current = path.join(current, entries[0].name);
  }
  return current;
}

async function removeClutter(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === '__MACOSX' || isClutter(entry.name)) {
      await rm(full, { recursive: true, force: true });
    } else if (entry.isDirectory()) await removeClutter(full);
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += await countFiles(path.join(dir, entry.name));
    else if ((await stat(path.join(dir, entry.name))).isFile()) n++;
  }
  return n;
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(bytes % 1024 ** 3 ? 1 : 0)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
