import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import { mulberry32, normal } from '../../src-main/shared/random';

export const SPECIES = ['heron', 'otter', 'wren', 'newt'];
/**
 * One colour per species for the sprite's thumbnails: the page's palette in the order the page
 * sorts the species (heron, newt, otter, wren), so a thumbnail has its point's colour.
 */
const COLOURS: [number, number, number][] = [
  [78, 121, 167],
  [225, 87, 89],
  [118, 183, 178],
  [242, 142, 43],
];

export interface EmbeddingFixture {
  dir: string;
  vectors: string;
  tsv: string;
  metadata: string;
  sprite: string | null;
  n: number;
  d: number;
}

/**
 * An embedding of `n` points in `d` dimensions: one Gaussian blob per species (so a cloud
 * coloured by species shows groups), a metadata TSV (name, species, size with a few missing,
 * a quoted note with a tab in it) and a sprite of `thumb`-pixel squares in each species' colour
 * with the point's index as a bar. Deterministic for a seed.
 */
export async function makeEmbedding(
  dir: string,
  options: { n?: number; d?: number; thumb?: number; seed?: number; tsv?: boolean } = {},
): Promise<EmbeddingFixture> {
  const { n = 60, d = 6, thumb = 8, seed = 1 } = options;
  mkdirSync(dir, { recursive: true });
  const rng = mulberry32(seed);
  const centres = SPECIES.map(() => Array.from({ length: d }, () => 3 * normal(rng)));
  const species = Array.from({ length: n }, (_, i) => i % SPECIES.length);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) data[i * d + j] = centres[species[i]][j] + 0.6 * normal(rng);
  const vectors = path.join(dir, 'vectors.npy');
  writeFileSync(vectors, encodeNpy(data, [n, d]));
  const tsv = path.join(dir, 'vectors.tsv');
  if (options.tsv !== false) {
    const lines: string[] = [];
    for (let i = 0; i < n; i++)
      lines.push(Array.from(data.subarray(i * d, (i + 1) * d), (v) => v.toPrecision(8)).join('\t'));
    writeFileSync(tsv, lines.join('\n') + '\n');
  }
  const rows = ['name\tspecies\tsize\tnote'];
  for (let i = 0; i < n; i++) {
    const size = i % 7 === 3 ? '' : (10 + species[i] * 5 + (i % 5)).toString();
    const note = i === 1 ? '"a ""quoted""\tnote"' : `n${i % 3}`;
    rows.push(`item ${i}\t${SPECIES[species[i]]}\t${size}\t${note}`);
  }
  const metadata = path.join(dir, 'metadata.tsv');
  writeFileSync(metadata, rows.join('\n') + '\n');
  let sprite: string | null = null;
  if (thumb > 0) {
    const columns = Math.ceil(Math.sqrt(n));
    const side = columns * thumb;
    const px = Buffer.alloc(side * side * 3, 255);
    for (let i = 0; i < n; i++) {
      const [r, g, b] = COLOURS[species[i]];
      const x0 = (i % columns) * thumb;
      const y0 = Math.floor(i / columns) * thumb;
      for (let y = 0; y < thumb; y++)
        for (let x = 0; x < thumb; x++) {
          const bar = y >= thumb - 2 && x < Math.round(((i + 1) / n) * thumb);
          const o = ((y0 + y) * side + x0 + x) * 3;
          px[o] = bar ? 0 : r;
          px[o + 1] = bar ? 0 : g;
          px[o + 2] = bar ? 0 : b;
        }
    }
    sprite = path.join(dir, 'sprite.png');
    await sharp(px, { raw: { width: side, height: side, channels: 3 } })
      .png()
      .toFile(sprite);
  }
  return { dir, vectors, tsv, metadata, sprite, n, d };
}
