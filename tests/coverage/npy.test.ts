import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from './reference';

// The NPY bytes are tested in tests/shared/maths/npy.test.ts; here, the engine's files.
describe('from an NPY file to the report', () => {
  it('reads a latent matrix from disk', async () => {
    const { readLatentMatrix, writeNpy } = await import('../../src-main/engine/io/npy');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = resolve(mkdtempSync(resolve(tmpdir(), 'npy-')), 'z.npy');
    await writeNpy(path, new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const latents = await readLatentMatrix(path);
    expect(latents).toMatchObject({ n: 3, d: 2 });
    expect(Array.from(latents.data)).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(readLatentMatrix(resolve(fixturesDir, 'i2-le.npy'))).rejects.toThrow(
      /float32 or float64/,
    );
  });
});
