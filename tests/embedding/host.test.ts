import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEmbeddingIntoLibrary } from '../../src-main/host/library/embedding-import';
import { UploadStore } from '../../src-main/host/library/uploads';
import { embeddingSource } from '../../src-main/host/library/embedding-files';
import { readLatentCache, writeLatentCache } from '../../src-main/host/inference/latent-cache';
import { tempDir } from '../engine/helpers';

const POND = path.resolve('tests/fixtures/embedding/pond');
const bytes = (name: string) => new Uint8Array(readFileSync(path.join(POND, name)));

/** Sends files as one upload into `store` and finishes it. */
async function send(store: UploadStore, files: Record<string, Uint8Array>) {
  const total = Object.values(files).reduce((a, b) => a + b.length, 0);
  const { uploadId } = await store.begin('checkpoint', 'pond', total, Object.keys(files).length);
  for (const [name, data] of Object.entries(files)) await store.chunk(uploadId, name, 0, data);
  return store.finish(uploadId);
}

describe('embeddings in the library', () => {
  it('an upload of loose Projector files finishes as a folder of embedding files', async () => {
    const store = new UploadStore(tempDir('atlas-emb-lib-'));
    const done = await send(store, {
      'vectors.npy': bytes('vectors.npy'),
      'metadata.tsv': bytes('metadata.tsv'),
      'sprite.png': bytes('sprite.png'),
    });
    expect(done.kind).toBe('checkpoint');
    expect(embeddingSource(done.dir)).toMatchObject({
      vectors: path.join(done.dir, 'vectors.npy'),
      metadata: path.join(done.dir, 'metadata.tsv'),
      sprite: path.join(done.dir, 'sprite.png'),
    });
    await store.discard(done.uploadId);
    store.close();
  });

  it('refuses a file type outside the closed list, and an upload that is no model nor embedding', async () => {
    const store = new UploadStore(tempDir('atlas-emb-lib-'));
    await expect(
      send(store, { 'vectors.npy': bytes('vectors.npy'), 'run.sh': new Uint8Array([35]) }),
    ).rejects.toThrow(/run\.sh is not a checkpoint file \(allowed: .*\.tsv.*\.png/);
    await expect(send(store, { 'metadata.tsv': bytes('metadata.tsv') })).rejects.toThrow(
      /holds no model .* and no embedding \(vectors\.npy or \.tsv, with metadata\.tsv\)/,
    );
    expect(store.open).toBe(0);
    store.close();
  });

  it('imports under a fresh id, leaving nothing behind on a refusal; the latent cache never serves it', async () => {
    const library = tempDir('atlas-emb-lib-');
    await expect(
      importEmbeddingIntoLibrary(library, {
        vectors: path.join(POND, 'vectors.npy'),
        metadata: path.join(POND, 'vectors.tsv'),
      }),
    ).rejects.toThrow(/vectors\.tsv has 59 rows after its header but vectors\.npy has 60/);
    expect(readdirSync(library).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(readdirSync(library).filter((f) => f.startsWith('.importing'))).toEqual([]);
    const done = await importEmbeddingIntoLibrary(library, {
      vectors: path.join(POND, 'vectors.npy'),
      metadata: path.join(POND, 'metadata.tsv'),
    });
    expect(done.name).toBe('pond');
    const dir = path.join(library, done.modelId);
    const snapshot = {
      means: new Float32Array(60 * 6),
      n: 60,
      dim: 6,
      labels: null,
      labelNames: null,
      indices: new Int32Array(60),
      split: 'all' as const,
    };
    // A cloud without its metadata is never written beside an embedding, nor read from there.
    expect(await writeLatentCache(dir, '0123456789abcdef', 60, snapshot)).toBe(false);
    expect(existsSync(path.join(dir, 'cache'))).toBe(false);
    expect(await readLatentCache(dir, 60, 'all')).toBeUndefined();
  });
});
