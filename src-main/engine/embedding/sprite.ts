import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type Sharp from 'sharp';
import { decodeImage, IMAGE_EXTENSIONS } from '../data/folder';

/** A thumbnail size, width × height in pixels. */
export interface ThumbSize {
  width: number;
  height: number;
}

/** A sprite checked against the embedding: its grid and the thumbnails' pixels. */
export interface CheckedSprite extends ThumbSize {
  /** Thumbnails per row of the sprite. */
  columns: number;
  /** 1 when every pixel is grey (R = G = B), else 3. */
  channels: 1 | 3;
}

/** The largest sprite read, in pixels (sharp's own default cap: 16384 × 16384). */
const MAX_SPRITE_PIXELS = 16384 * 16384;

let loadingSharp: Promise<typeof Sharp> | undefined;
/** sharp is loaded on first use: the host lists embeddings without native image code. */
export function loadSharp(): Promise<typeof Sharp> {
  return (loadingSharp ??= import('sharp').then((module) => module.default));
}

/** Parses `--thumb WxH` (or `W` for a square). */
export function parseThumbSize(text: string): ThumbSize {
  const match = /^\s*(\d{1,4})\s*(?:[x×]\s*(\d{1,4}))?\s*$/i.exec(text);
  const width = match ? Number(match[1]) : NaN;
  const height = match ? Number(match[2] ?? match[1]) : NaN;
  if (!(width >= 1 && width <= 4096 && height >= 1 && height <= 4096))
    throw new Error(`--thumb "${text}": expected WxH in pixels, e.g. 28x28 (at most 4096)`);
  return { width, height };
}

/**
 * Checks that a sprite image is a grid of thumbnails covering n points, in row-major order
 * (the first point top left, as the Embedding Projector reads it). Without `thumb` the grid is
 * the Projector's own: ⌈√n⌉ thumbnails a row, in a square image (or as many rows as n needs).
 * Returns the grid and whether the sprite is grey; refuses in one line what does not fit.
 */
export async function checkSprite(
  file: string,
  n: number,
  thumb?: ThumbSize,
): Promise<CheckedSprite> {
  const sharp = await loadSharp();
  const name = path.basename(file);
  let meta: Awaited<ReturnType<ReturnType<typeof Sharp>['metadata']>>;
  try {
    meta = await sharp(file, { limitInputPixels: MAX_SPRITE_PIXELS }).metadata();
  } catch (err) {
    throw new Error(`${name}: not an image sharp can read (${(err as Error).message})`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new Error(`${name}: the image has no size`);
  const size = thumb ?? inferThumb(width, height, n, name);
  const fail = (why: string) =>
    new Error(
      `${name} is ${width}×${height} pixels: ${why} (thumbnails of ${size.width}×${size.height})`,
    );
  if (width % size.width !== 0) throw fail(`its width is not a whole number of thumbnails`);
  if (height % size.height !== 0) throw fail(`its height is not a whole number of thumbnails`);
  const columns = width / size.width;
  const rows = height / size.height;
  if (columns * rows < n)
    throw fail(
      `a grid of ${columns} × ${rows} = ${columns * rows} thumbnails, fewer than the ${n} points`,
    );
  const pixels = await readSprite(file, 3);
  let grey = true;
  for (let i = 0; i < pixels.length && grey; i += 3)
    grey = pixels[i] === pixels[i + 1] && pixels[i] === pixels[i + 2];
  return { ...size, columns, channels: grey ? 1 : 3 };
}

/** The Projector's grid: ⌈√n⌉ a row, as many rows as the image is high. */
function inferThumb(width: number, height: number, n: number, name: string): ThumbSize {
  const columns = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / columns);
  if (width % columns === 0) {
    const w = width / columns;
    for (const r of [columns, rows]) {
      if (height % r === 0 && height / r === w) return { width: w, height: w };
    }
    if (height % columns === 0) return { width: w, height: height / columns };
  }
  throw new Error(
    `${name} is ${width}×${height} pixels: cannot tell its thumbnail size for ${n} points (not a square grid of ${columns} a row); give it with --thumb WxH`,
  );
}

/** The whole sprite as raw bytes, `channels` per pixel, transparency flattened onto white. */
export async function readSprite(file: string, channels: 1 | 3): Promise<Uint8Array> {
  const sharp = await loadSharp();
  let image = sharp(file, { limitInputPixels: MAX_SPRITE_PIXELS }).flatten({
    background: '#ffffff',
  });
  image = channels === 1 ? image.grayscale() : image.toColourspace('srgb');
  const { data } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Builds a sprite (PNG bytes) from a folder of images, one per point: the images directly in
 * `dir`, in natural order of their names (2.png before 10.png), each letterboxed into a square
 * thumbnail (`thumb`, else the first image's size when square and at most 128, else 32).
 */
export async function spriteFromFolder(
  dir: string,
  n: number,
  thumb?: ThumbSize,
): Promise<{ png: Uint8Array; sprite: CheckedSprite }> {
  const name = path.basename(dir);
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter(
      (e) =>
        e.isFile() &&
        !e.name.startsWith('.') &&
        IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()),
    )
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (files.length !== n)
    throw new Error(
      `${name}/ holds ${files.length} ${files.length === 1 ? 'image' : 'images'}, but the embedding has ${n} points: one image a point, in the order of their names`,
    );
  const sharp = await loadSharp();
  let side: number;
  if (thumb) {
    if (thumb.width !== thumb.height)
      throw new Error(
        `--thumb ${thumb.width}x${thumb.height}: thumbnails made from a folder are square`,
      );
    side = thumb.width;
  } else {
    const first = await sharp(path.join(dir, files[0])).metadata();
    side = first.width && first.width === first.height && first.width <= 128 ? first.width : 32;
  }
  const columns = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / columns);
  if (columns * side * rows * side > MAX_SPRITE_PIXELS)
    throw new Error(
      `${n} thumbnails of ${side}×${side} make a sprite over ${MAX_SPRITE_PIXELS} pixels: choose a smaller --thumb`,
    );
  const rgb = new Uint8Array(columns * side * rows * side * 3).fill(255);
  const stride = columns * side * 3;
  let grey = true;
  for (let i = 0; i < n; i++) {
    let pixels: Uint8Array;
    try {
      pixels = await decodeImage(path.join(dir, files[i]), side, 3);
    } catch (err) {
      throw new Error(`${name}/${files[i]}: cannot read (${(err as Error).message})`);
    }
    const x0 = (i % columns) * side * 3;
    const y0 = Math.floor(i / columns) * side;
    for (let y = 0; y < side; y++)
      rgb.set(pixels.subarray(y * side * 3, (y + 1) * side * 3), (y0 + y) * stride + x0);
    for (let k = 0; k < pixels.length && grey; k += 3)
      grey = pixels[k] === pixels[k + 1] && pixels[k] === pixels[k + 2];
  }
  const png = await sharp(rgb, { raw: { width: columns * side, height: rows * side, channels: 3 } })
    .png()
    .toBuffer();
  return {
    png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
    sprite: { width: side, height: side, columns, channels: grey ? 1 : 3 },
  };
}
