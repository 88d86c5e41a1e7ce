import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deleteVector,
  loadVector,
  modelFolder,
  readDirection,
  readSelection,
  readVectorIndex,
  saveVector,
  weightsFingerprint,
  writeSelection,
  writeVectorFile,
} from '../../src-main/engine/io/attribute-vectors';
import { encodeNpy } from '../../src-main/shared/maths/npy';
import { parseNpy } from '../../src-main/shared/maths/npy';
import { tempDir } from '../engine/helpers';

/** A model folder with stand-in weights. */
function fakeModel(): string {
  const dir = tempDir('atlas-vectors-');
  mkdirSync(path.join(dir, 'decoder'));
  writeFileSync(path.join(dir, 'manifest.json'), '{}');
  writeFileSync(path.join(dir, 'decoder', 'weights.bin'), 'abc');
  return dir;
}

const input = (name: string, d = 3) => ({
  name,
  vector: Float64Array.from({ length: d }, (_, i) => i + 0.5),
  base: Float64Array.from({ length: d }, (_, i) => -i),
  sphere: false,
  length: 1.5,
  auc: 0.9,
  from: { group: 'label:3', description: 'label 3', n: 10 },
  to: { group: 'rest', description: 'every item but label 3', n: 90 },
  data: { spec: 'mnist', split: 'test' as const, count: 100 },
});

describe('vectors kept with a model', () => {
  it('saves float32 [d] NPY files and an index record, and loads them back', async () => {
    const dir = fakeModel();
    const record = await saveVector(dir, input('three-vs-rest'));
    expect(record).toMatchObject({
      name: 'three-vs-rest',
      file: 'three-vs-rest.npy',
      base: 'three-vs-rest.base.npy',
      dim: 3,
      auc: 0.9,
    });
    expect(record.weights).toMatch(/^[0-9a-f]{16}$/);
    const npy = parseNpy(new Uint8Array(readFileSync(path.join(dir, 'vectors/three-vs-rest.npy'))));
    expect(npy).toMatchObject({ dtype: 'f4', shape: [3] });
    expect(Array.from(npy.data as Float32Array)).toEqual([0.5, 1.5, 2.5]);
    const index = JSON.parse(readFileSync(path.join(dir, 'vectors/index.json'), 'utf8'));
    expect(index).toMatchObject({ format: 'latent-atlas-vectors', version: 1 });
    expect(index.vectors).toHaveLength(1);
    const loaded = await loadVector(dir, 'three-vs-rest', 3);
    expect(Array.from(loaded.vector)).toEqual([0.5, 1.5, 2.5]);
    expect(Array.from(loaded.base)).toEqual([-0, -1, -2]);
    // Nothing written aside is left behind.
    expect(readdirSync(path.join(dir, 'vectors')).sort()).toEqual([
      'index.json',
      'three-vs-rest.base.npy',
      'three-vs-rest.npy',
    ]);
  });

  it('refuses a saved name unless replacing, and keeps the others', async () => {
    const dir = fakeModel();
    await saveVector(dir, input('a'));
    await saveVector(dir, input('b'));
    await expect(saveVector(dir, input('a'))).rejects.toThrow(
      /index\.json: a vector named "a" is already saved \(pass --force/,
    );
    await saveVector(dir, { ...input('a'), auc: 0.7 }, { replace: true });
    const index = await readVectorIndex(dir);
    expect(index.vectors.map((v) => [v.name, v.auc])).toEqual([
      ['b', 0.9],
      ['a', 0.7],
    ]);
    expect(await deleteVector(dir, 'b')).toBe(true);
    expect(await deleteVector(dir, 'b')).toBe(false);
    expect(readdirSync(path.join(dir, 'vectors')).sort()).toEqual([
      'a.base.npy',
      'a.npy',
      'index.json',
    ]);
  });

  it('refuses names that are not plain file names', async () => {
    const dir = fakeModel();
    for (const name of ['../x', 'a/b', 'a\\b', '.hidden', 'a.b', '', 'x'.repeat(65), 'a b'])
      await expect(saveVector(dir, input(name))).rejects.toThrow(
        /vector name .* must be 1–64 letters, digits, '-' or '_'.*no path separators/,
      );
    await expect(loadVector(dir, '../../etc/passwd', 3)).rejects.toThrow(/no path separators/);
    await expect(readSelection(dir, 'a/b')).rejects.toThrow(/selection name "a\/b"/);
  });

  it('names the file at fault: corrupt index, wrong dimension, corrupt NPY, unknown name', async () => {
    const dir = fakeModel();
    await saveVector(dir, input('v'));
    await expect(loadVector(dir, 'v', 4)).rejects.toThrow(
      /vectors\/v\.npy: a vector of 3 coordinates, but this model's codes have 4$/,
    );
    await expect(loadVector(dir, 'w', 3)).rejects.toThrow(
      /index\.json: no vector named "w" \(saved: v\)/,
    );
    writeFileSync(path.join(dir, 'vectors/v.base.npy'), 'not npy');
    await expect(loadVector(dir, 'v', 3)).rejects.toThrow(/vectors\/v\.base\.npy: not an NPY file/);
    const index = path.join(dir, 'vectors/index.json');
    writeFileSync(index, '{"format": "latent-atlas-vectors", "version": 1, "vectors": [');
    await expect(readVectorIndex(dir)).rejects.toThrow(/index\.json: not valid JSON/);
    writeFileSync(
      index,
      JSON.stringify({ format: 'latent-atlas-vectors', version: 1, vectors: [{}] }),
    );
    await expect(readVectorIndex(dir)).rejects.toThrow(/index\.json: vectors\.0\.name: /);
    const evil = { ...JSON.parse(readFileSync(index, 'utf8')) };
    evil.vectors = [
      {
        ...input('v'),
        vector: undefined,
        file: '../../outside.npy',
        base: 'v.base.npy',
        created: 'now',
        dim: 3,
        weights: null,
      },
    ];
    writeFileSync(index, JSON.stringify(evil));
    await expect(readVectorIndex(dir)).rejects.toThrow(/names the file "..\/..\/outside.npy"/);
    // A 2-D or integer array is not a vector.
    const file = path.join(dir, 'm.npy');
    writeFileSync(file, encodeNpy(new Float32Array(6), [2, 3]));
    await expect(readDirection(file, 3)).rejects.toThrow(/m\.npy: shape \[2, 3\], but a vector/);
    writeFileSync(file, encodeNpy(new Int32Array(3), [3]));
    await expect(readDirection(file, 3)).rejects.toThrow(/m\.npy: dtype i4/);
  });

  it('reads a direction file with the base point beside it', async () => {
    const dir = tempDir('atlas-direction-');
    const file = path.join(dir, 'v.npy');
    await writeVectorFile(file, [1, 2]);
    expect(await readDirection(file, 2)).toMatchObject({ base: null, baseFile: null });
    await writeVectorFile(path.join(dir, 'v.base.npy'), [0, 1]);
    const read = await readDirection(file, 2);
    expect(Array.from(read.base!)).toEqual([0, 1]);
  });
});

describe('selections kept with a model', () => {
  it('round-trips int32 indices and the split they number', async () => {
    const dir = fakeModel();
    const file = await writeSelection(dir, 'picked', [5, 1, 9], { split: 'all' });
    expect(file).toBe(path.join(dir, 'selections/picked.npy'));
    const npy = parseNpy(new Uint8Array(readFileSync(file)));
    expect(npy).toMatchObject({ dtype: 'i4', shape: [3] });
    const read = await readSelection(dir, 'picked');
    expect(Array.from(read.indices)).toEqual([5, 1, 9]);
    expect(read.split).toBe('all');
  });

  it('takes any integer dtype, without a sidecar; refuses floats, negatives and other shapes', async () => {
    const dir = fakeModel();
    const at = (name: string) => path.join(dir, 'selections', `${name}.npy`);
    mkdirSync(path.join(dir, 'selections'));
    writeFileSync(at('u8'), encodeNpy(Uint8Array.from([3, 4]), [2]));
    writeFileSync(at('i64'), encodeNpy(BigInt64Array.from([3n, 4n]), [2]));
    for (const name of ['u8', 'i64']) {
      const read = await readSelection(dir, name);
      expect(Array.from(read.indices)).toEqual([3, 4]);
      expect(read.split).toBeNull();
    }
    writeFileSync(at('f'), encodeNpy(Float32Array.from([1]), [1]));
    await expect(readSelection(dir, 'f')).rejects.toThrow(/f\.npy: dtype f4, but a selection/);
    writeFileSync(at('neg'), encodeNpy(Int32Array.from([1, -2]), [2]));
    await expect(readSelection(dir, 'neg')).rejects.toThrow(/neg\.npy: entry 1 \(-2\) is not/);
    writeFileSync(at('m'), encodeNpy(Int32Array.from([1, 2]), [1, 2]));
    await expect(readSelection(dir, 'm')).rejects.toThrow(/m\.npy: shape \[1, 2\]/);
    writeFileSync(path.join(dir, 'selections/u8.json'), '{"split": "validation"}');
    await expect(readSelection(dir, 'u8')).rejects.toThrow(/u8\.json: split: /);
    await expect(readSelection(dir, 'gone')).rejects.toThrow(
      /selections\/gone\.npy: no such selection \(saved: f, i64, m, neg, u8\)/,
    );
  });
});

describe('the model folder', () => {
  it('is the folder itself, or the folder of a decoder.onnx; a lone file is refused', () => {
    const dir = fakeModel();
    expect(modelFolder(dir)).toBe(dir);
    writeFileSync(path.join(dir, 'decoder.onnx'), '');
    writeFileSync(path.join(dir, 'model.onnx'), '');
    expect(modelFolder(path.join(dir, 'decoder.onnx'))).toBe(dir);
    expect(() => modelFolder(path.join(dir, 'model.onnx'))).toThrow(
      /model\.onnx: a lone model file has no folder/,
    );
    expect(() => modelFolder(path.join(dir, 'nothing'))).toThrow(/no such model/);
  });

  it("fingerprints the weights, not the model's vectors, selections or cache", async () => {
    const dir = fakeModel();
    const before = await weightsFingerprint(dir);
    await saveVector(dir, input('v'));
    await writeSelection(dir, 's', [1], { split: 'test' });
    mkdirSync(path.join(dir, 'cache'));
    writeFileSync(path.join(dir, 'cache', 'x'), '1');
    expect(await weightsFingerprint(dir)).toBe(before);
    writeFileSync(path.join(dir, 'decoder', 'weights.bin'), 'abd');
    expect(await weightsFingerprint(dir)).not.toBe(before);
  });
});
