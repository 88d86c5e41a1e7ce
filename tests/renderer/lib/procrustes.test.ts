import { describe, expect, it } from 'vitest';
import { det3 } from '../../../src-main/shared/maths/linalg';
import { applyAlignment, procrustes } from '../../../src-renderer/lib/projection/procrustes';
import { createRng } from '../../../src-renderer/lib/rng';

/** A rotation matrix from an axis and an angle (Rodrigues). */
function rotation(axis: [number, number, number], angle: number): number[] {
  const len = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / len);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    t * x * x + c, t * x * y - s * z, t * x * z + s * y,
    t * x * y + s * z, t * y * y + c, t * y * z - s * x,
    t * x * z - s * y, t * y * z + s * x, t * z * z + c,
  ]; // prettier-ignore
}

function transform(points: Float32Array, n: number, r: number[], t: number[]): Float32Array {
  return applyAlignment(Float32Array.from(points), n, {
    rotation: Float64Array.from(r),
    translation: Float64Array.from(t),
    rmsd: 0,
  });
}

describe('procrustes', () => {
  const n = 400;
  const rng = createRng(21);
  const source = Float32Array.from({ length: n * 3 }, (_, i) => rng.normal() * (1 + (i % 3)));

  it('recovers a known rotation and translation', () => {
    const r = rotation([1, 2, -0.5], 1.1);
    const t = [0.5, -3, 2];
    const target = transform(source, n, r, t);
    const a = procrustes(source, target, n);
    for (let i = 0; i < 9; i++) expect(a.rotation[i]).toBeCloseTo(r[i], 5);
    for (let j = 0; j < 3; j++) expect(a.translation[j]).toBeCloseTo(t[j], 4);
    expect(a.rmsd).toBeLessThan(1e-4);
    expect(det3(a.rotation)).toBeCloseTo(1, 9);
  });

  it('recovers the rotation under noise', () => {
    const r = rotation([0, 0, 1], 2.5);
    const target = transform(source, n, r, [0, 0, 0]);
    const noisy = target.map((v) => v + 0.05 * rng.normal());
    const a = procrustes(source, noisy, n);
    for (let i = 0; i < 9; i++) expect(a.rotation[i]).toBeCloseTo(r[i], 1);
  });

  it('returns a proper rotation unless reflections are allowed', () => {
    const mirror = [1, 0, 0, 0, 1, 0, 0, 0, -1];
    const target = transform(source, n, mirror, [0, 0, 0]);
    const proper = procrustes(source, target, n);
    expect(det3(proper.rotation)).toBeCloseTo(1, 9);
    const improper = procrustes(source, target, n, { allowReflection: true });
    expect(det3(improper.rotation)).toBeCloseTo(-1, 9);
    for (let i = 0; i < 9; i++) expect(improper.rotation[i]).toBeCloseTo(mirror[i], 6);
    expect(improper.rmsd).toBeLessThan(proper.rmsd);
  });
});
