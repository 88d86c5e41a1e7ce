import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isCheckpointDir } from './checkpoint-files';

/**
 * An embedding as the Embedding Projector's files lay it out in a folder (an upload, or a path
 * given to `importModel`): which file holds the vectors, the metadata, the thumbnails. No engine
 * here: the upload store (Electron main, `serve`) asks this before anything is imported.
 */
export interface EmbeddingSourceFiles {
  vectors: string;
  metadata: string | null;
  sprite: string | null;
  /** A folder of images, one per point, for thumbnails made at import. */
  images: string | null;
  /** A thumbnail size a `projector_config.pbtxt` states (single_image_dim). */
  thumb: { width: number; height: number } | null;
}

/** Names the vectors go by, in order of preference (the Projector's own demo writes tensors.tsv). */
const VECTOR_NAMES = [
  'vectors.npy',
  'vectors.tsv',
  'tensors.tsv',
  'tensors.npy',
  'embedding.npy',
  'embeddings.npy',
  'embedding.tsv',
  'embeddings.tsv',
];
const METADATA_NAMES = ['metadata.tsv', 'meta.tsv', 'labels.tsv'];
const SPRITE_NAMES = ['sprite.png', 'sprite.jpg', 'sprite.jpeg', 'sprite.webp'];
const IMAGE_FOLDERS = ['thumbs', 'thumbnails', 'images', 'sprites'];
const IMAGE = /\.(png|jpe?g|webp)$/i;

/** The file types an embedding upload may hold besides a checkpoint's (lower case, with the dot). */
export const EMBEDDING_UPLOAD_EXTENSIONS = ['.tsv', '.npy', '.pbtxt'] as const;

/**
 * The embedding files at the top of `dir`, or null when it is not an embedding folder (a model
 * folder — one with a checkpoint's or an imported embedding's marker — never is). The vectors
 * are a file of a known name (vectors.npy, tensors.tsv, …), else the folder's only .npy, else
 * its only .tsv besides the metadata; the metadata is metadata.tsv (or meta.tsv, labels.tsv);
 * the thumbnails a sprite.png, else the folder's only image, else a folder thumbs/ or images/.
 * A `projector_config.pbtxt` beside them may name the files and the thumbnail size.
 */
export function embeddingSource(dir: string): EmbeddingSourceFiles | null {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory() || isCheckpointDir(dir)) return null;
    names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return null;
  }
  const files = names.filter((n) => isFile(path.join(dir, n)));
  const lower = new Map(files.map((n) => [n.toLowerCase(), n]));
  const pick = (candidates: string[]) =>
    candidates.map((c) => lower.get(c)).find((n) => n !== undefined) ?? null;
  const config = projectorConfig(dir, lower);

  let metadata = config.metadata ?? pick(METADATA_NAMES);
  let vectors = config.vectors ?? pick(VECTOR_NAMES);
  if (!vectors) {
    const npy = files.filter((n) => n.toLowerCase().endsWith('.npy'));
    const tsv = files.filter((n) => n.toLowerCase().endsWith('.tsv') && n !== metadata);
    if (npy.length === 1) vectors = npy[0];
    else if (npy.length === 0 && tsv.length === 1) vectors = tsv[0];
  }
  if (!vectors) return null;
  if (!metadata) {
    const others = files.filter((n) => n.toLowerCase().endsWith('.tsv') && n !== vectors);
    if (others.length === 1) metadata = others[0];
  }
  let sprite = config.sprite ?? pick(SPRITE_NAMES);
  if (!sprite) {
    const images = files.filter((n) => IMAGE.test(n));
    if (images.length === 1) sprite = images[0];
  }
  const folder = sprite
    ? null
    : (IMAGE_FOLDERS.map((f) => names.find((n) => n.toLowerCase() === f)).find(
        (n) => n !== undefined && statSync(path.join(dir, n)).isDirectory(),
      ) ?? null);
  const full = (n: string | null) => (n ? path.join(dir, n) : null);
  return {
    vectors: path.join(dir, vectors),
    metadata: full(metadata),
    sprite: full(sprite),
    images: full(folder),
    thumb: config.thumb,
  };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * What a `projector_config.pbtxt` (the Projector's own config, text protobuf) says of the first
 * embedding: its files (by base name, found in this folder only) and `single_image_dim`.
 */
function projectorConfig(
  dir: string,
  lower: Map<string, string>,
): {
  vectors?: string;
  metadata?: string;
  sprite?: string;
  thumb: { width: number; height: number } | null;
} {
  const name = lower.get('projector_config.pbtxt');
  if (!name) return { thumb: null };
  let text: string;
  try {
    text = readFileSync(path.join(dir, name), 'utf8').slice(0, 65_536);
  } catch {
    return { thumb: null };
  }
  const field = (key: string) => {
    const value = new RegExp(`${key}\\s*:\\s*"([^"]*)"`).exec(text)?.[1];
    const base = value ? path.basename(value.replace(/\\/g, '/')) : undefined;
    return base ? lower.get(base.toLowerCase()) : undefined;
  };
  const dims = [...text.matchAll(/single_image_dim\s*:\s*(\d+)/g)].map((m) => Number(m[1]));
  return {
    vectors: field('tensor_path'),
    metadata: field('metadata_path'),
    sprite: field('image_path'),
    thumb:
      dims.length >= 2 && dims[0] > 0 && dims[1] > 0 ? { width: dims[0], height: dims[1] } : null,
  };
}
