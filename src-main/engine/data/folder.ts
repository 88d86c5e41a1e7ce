import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type Sharp from 'sharp';
import { splitViews } from './array-dataset';
import type { ItemStore } from './array-dataset';
import type { DatasetSplit } from './dataset';
import type { DatasetSource, OpenRequest } from './source';
import { limitSplit, shuffledSplit } from './split';

/**
 * `folder:DIR`: the user's own images (PNG, JPEG, WebP, also GIF, AVIF, TIFF), any size.
 *
 * - Layout: images directly in DIR, and/or one level of subfolders. When subfolders hold images,
 *   their names become class labels (`icons/cats/*.png` → label "cats"); images directly in DIR
 *   are then labelled "(unsorted)". Deeper folders are not read (a warning says so).
 * - Size: every image becomes `size`×`size` (default 32: a power of two suits stride-2 conv
 *   stacks, and 32² keeps CPU training quick) with 1 (grayscale, the default) or 3 (RGB) channels.
 * - Fit: letterbox, not cover. The whole image is scaled to fit inside the square and the short
 *   side is padded by repeating its edge pixels. Sketches and icons (the expected content) must not
 *   lose their edges to a crop, and edge-repeating pads with the image's own background (white
 *   paper, black MNIST-like ground) instead of a colour the image never had.
 * - Transparency is flattened onto white, as icons are seen on a page. EXIF orientation is applied.
 * - Files that fail to decode are skipped and listed in the split's warnings; files with other
 *   extensions and hidden files are ignored silently.
 * - The split is a seeded shuffle of the decoded images sorted by path (~1/7 to test), so it does
 *   not depend on the order the file system lists them in.
 */
export const folderSource: DatasetSource = {
  scheme: 'folder',
  argument: 'required',
  entries: [
    {
      spec: 'folder:DIR',
      description:
        'your PNG/JPEG/WebP images, resized to size² (default 32, letterboxed); ' +
        'subfolder names become labels',
      itemShape: null,
    },
  ],
  paths: (argument) => [argument],
  open: openFolder,
};

export const FOLDER_DEFAULT_SIZE = 32;
export const IMAGE_EXTENSIONS = [
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
];
/** Label name for images lying directly in DIR when others are sorted into subfolders. */
export const UNSORTED_LABEL = '(unsorted)';
/** At most this many files listed by name in the "skipped" warning. */
const LISTED_SKIPS = 5;

interface ImageFile {
  path: string;
  /** Index into the class names, or -1 for images directly in DIR. */
  classIndex: number;
}

async function openFolder({ argument, options }: OpenRequest): Promise<DatasetSplit> {
  const dir = resolve(expandHome(argument));
  const size = options.size ?? FOLDER_DEFAULT_SIZE;
  const channels = options.channels ?? 1;
  const seed = options.seed ?? 0;
  const { files, classNames, nestedFolders } = await listImages(dir);
  const warnings: string[] = [];
  if (nestedFolders > 0) {
    warnings.push(`${dir}: ignored ${nestedFolders} folder(s) nested more than one level deep`);
  }

  const pixels = size * size * channels;
  const decoded = new Uint8Array(files.length * pixels);
  const ok = new Uint8Array(files.length);
  const failures: string[] = [];
  await forEachLimited(files, decodeConcurrency(), async (file, i) => {
    try {
      const bytes = await decodeImage(file.path, size, channels);
      decoded.set(bytes, i * pixels);
      ok[i] = 1;
    } catch {
      failures.push(file.path);
    }
  });
  if (failures.length > 0) {
    failures.sort();
    const names = failures.slice(0, LISTED_SKIPS).map((path) => path.slice(dir.length + 1));
    const more =
      failures.length > LISTED_SKIPS ? `, … (${failures.length - LISTED_SKIPS} more)` : '';
    warnings.push(`skipped ${failures.length} unreadable file(s): ${names.join(', ')}${more}`);
  }

  const kept = files.flatMap((file, i) => (ok[i] ? [i] : []));
  if (kept.length === 0) {
    throw new Error(`${dir}: none of the ${files.length} image file(s) could be decoded`);
  }
  const store = compact(decoded, pixels, kept, files, classNames, [size, size, channels]);
  if (store.count === 1) warnings.push(`${dir}: only one image, test split reuses it`);
  const rows = limitSplit(shuffledSplit(store.count, seed), options.limit);
  const descriptor = { spec: `folder:${dir}`, options: { ...options, size, channels, seed } };
  return splitViews(`folder:${basename(dir)}`, descriptor, store, rows, warnings);
}

/** Image files in DIR and its direct subfolders, sorted by path; errors for missing/empty DIR. */
async function listImages(
  dir: string,
): Promise<{ files: ImageFile[]; classNames: string[]; nestedFolders: number }> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new Error(`image folder not found: ${dir}`);
  }
  if (!info.isDirectory()) throw new Error(`not a folder: ${dir} (folder:DIR needs a directory)`);

  const top = await readVisible(dir);
  const rootImages = top.filter((entry) => entry.isFile() && isImageName(entry.name));
  const subfolders = top.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const classNames: string[] = [];
  const files: ImageFile[] = [];
  let nestedFolders = 0;
  for (const sub of subfolders.sort()) {
    const entries = await readVisible(join(dir, sub));
    nestedFolders += entries.filter((entry) => entry.isDirectory()).length;
    const images = entries.filter((entry) => entry.isFile() && isImageName(entry.name));
    if (images.length === 0) continue;
    const classIndex = classNames.push(sub) - 1;
    for (const image of images) files.push({ path: join(dir, sub, image.name), classIndex });
  }
  for (const image of rootImages) files.push({ path: join(dir, image.name), classIndex: -1 });
  if (files.length === 0) {
    throw new Error(
      `${dir}: no images found (looked for ${IMAGE_EXTENSIONS.join(', ')} in the folder and its ` +
        'direct subfolders)',
    );
  }
  // Code-unit order, not locale order: the split must be the same on every machine.
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, classNames, nestedFolders };
}

async function readVisible(dir: string): Promise<Dirent[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => !entry.name.startsWith('.'));
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/**
 * sharp (libvips) is loaded on the first decode, not with this module: the Electron main process
 * imports the registry only to parse dataset specs (src-main/access/page-paths.ts) and must not
 * load native image code for that.
 */
let loadingSharp: Promise<typeof Sharp> | undefined;
function loadSharp(): Promise<typeof Sharp> {
  return (loadingSharp ??= import('sharp').then((module) => module.default));
}

/**
 * One image → `size`×`size`×`channels` bytes. Letterbox: resize to fit inside the square keeping
 * the aspect ratio, then pad by repeating edge pixels (sharp applies `extend` after `resize`).
 */
export async function decodeImage(
  path: string,
  size: number,
  channels: 1 | 3,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const image = sharp(path, { failOn: 'error' });
  const meta = await image.metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new Error(`${path}: image has no size`);
  const scale = size / Math.max(width, height);
  const w = Math.max(1, Math.min(size, Math.round(width * scale)));
  const h = Math.max(1, Math.min(size, Math.round(height * scale)));
  const left = Math.floor((size - w) / 2);
  const top = Math.floor((size - h) / 2);
  let pipeline = image
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .resize(w, h, { fit: 'fill' })
    .extend({ left, right: size - w - left, top, bottom: size - h - top, extendWith: 'copy' });
  pipeline = channels === 1 ? pipeline.grayscale() : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== channels) {
    throw new Error(
      `${path}: decoded to ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×${channels}`,
    );
  }
  return data;
}

/** Gathers the decoded images (dropping failures) and their labels into one store. */
function compact(
  decoded: Uint8Array,
  pixels: number,
  kept: number[],
  files: ImageFile[],
  classNames: string[],
  itemShape: number[],
): ItemStore {
  const data = kept.length === files.length ? decoded : new Uint8Array(kept.length * pixels);
  if (data !== decoded) {
    kept.forEach((i, row) =>
      data.set(decoded.subarray(i * pixels, (i + 1) * pixels), row * pixels),
    );
  }
  const store: ItemStore = { itemShape, count: kept.length, data };
  if (classNames.length > 0) {
    const hasUnsorted = kept.some((i) => files[i].classIndex < 0);
    const names = hasUnsorted ? [...classNames, UNSORTED_LABEL] : classNames;
    store.labelNames = names;
    store.labels = Int32Array.from(kept, (i) =>
      files[i].classIndex < 0 ? classNames.length : files[i].classIndex,
    );
  }
  return store;
}

/** sharp decodes on libvips' own threads; a few files in flight keep them busy without a flood. */
function decodeConcurrency(): number {
  return Math.max(2, Math.min(16, 2 * availableParallelism()));
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `~/icons` → the home folder's `icons` (shells expand `~`, the UI and specs in files do not). */
function expandHome(path: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return path;
}
