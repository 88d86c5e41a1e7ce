import type { Command } from 'commander';
import type { ImportEmbeddingOptions } from '../actions/import-embedding';

export function registerImportEmbedding(program: Command): void {
  program
    .command('import-embedding')
    .description(
      'add an embedding to the library as the Embedding Projector takes it: vectors (NPY [n, d] or TSV), a metadata TSV with a header row, thumbnails from a sprite; it has no decoder',
    )
    .argument(
      '<vectors>',
      'vectors.npy or .tsv (one point a line, tab-separated, no header), or a folder holding them with metadata.tsv and sprite.png',
    )
    .option('--metadata <tsv>', 'one row per point after a header row (one column: no header)')
    .option('--sprite <image>', 'the thumbnails as one grid image, row-major, first point top left')
    .option('--images <dir>', 'or a folder of images, one per point in the order of their names')
    .option('--thumb <WxH>', 'thumbnail size in pixels (default: a square grid of ⌈√n⌉ a row)')
    .option('--name <name>', 'display name (default: the file or folder name)')
    .option('--library <dir>', 'model library folder (default: the desktop app’s)')
    .option('--json', 'print JSON')
    .action(async (vectors: string, opts: ImportEmbeddingOptions) => {
      const { importEmbeddingCommand } = await import('../actions/import-embedding');
      await importEmbeddingCommand(vectors, opts);
    });
}
