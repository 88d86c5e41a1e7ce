import { Matrix4, PerspectiveCamera, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import {
  bandedPolygon,
  projectToScreen,
  selectOnScreen,
  type ScreenCamera,
} from '../../../src-renderer/lib/selection/lasso';
import { createRng } from '../../../src-renderer/lib/rng';

/** The camera as the viewer hands it over: projection × view, and the canvas in CSS pixels. */
function screenCamera(camera: PerspectiveCamera, width: number, height: number): ScreenCamera {
  camera.aspect = width / height;
  camera.updateProjectionMatrix();
  camera.updateMatrixWorld();
  const vp = new Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse);
  return { viewProjection: vp.elements, width, height };
}

/** Selected point numbers of a mask. */
const chosen = (mask: Uint8Array) => Array.from(mask.keys()).filter((i) => mask[i]);

describe('lasso and box selection through the camera', () => {
  // Camera on the z axis, 5 from the origin, looking at it with a 90° field of view on a
  // 200 × 200 canvas: the point (x, y, 0) is drawn at pixel (100 + 20x, 100 − 20y).
  const camera = new PerspectiveCamera(90, 1, 0.1, 100);
  camera.position.set(0, 0, 5);
  camera.lookAt(0, 0, 0);
  const screen = screenCamera(camera, 200, 200);
  // A 9 × 9 grid of points at integer x, y in [−4, 4] on z = 0, then three that are not drawn.
  const grid: number[] = [];
  for (let y = -4; y <= 4; y++) for (let x = -4; x <= 4; x++) grid.push(x, y, 0);
  const behind = grid.length / 3; // behind the camera, where its mirror image would land inside
  const beforeNear = behind + 1; // between the camera and its near plane
  const beyondFar = behind + 2;
  const positions = Float32Array.from([...grid, -1, 1, 10, 0, 1.5, 4.95, 0, 1, -200]);
  const n = positions.length / 3;
  const at = (x: number, y: number) => (y + 4) * 9 + (x + 4);

  it('projects points where the camera draws them', () => {
    const px = projectToScreen(positions, n, screen);
    expect(px[at(0, 0) * 2]).toBeCloseTo(100, 4);
    expect(px[at(0, 0) * 2 + 1]).toBeCloseTo(100, 4);
    expect(px[at(3, -2) * 2]).toBeCloseTo(160, 4);
    expect(px[at(3, -2) * 2 + 1]).toBeCloseTo(140, 4);
    for (const hidden of [behind, beforeNear, beyondFar]) expect(px[hidden * 2]).toBeNaN();
  });

  it('a concave lasso selects exactly the points inside it (even–odd), none behind the camera', () => {
    // An L: a bar along the top (x −2.1…2.1, y 0.5…2.1) and one down the left (x −2.1…−0.5).
    const lasso = [58, 58, 142, 58, 142, 90, 90, 90, 90, 142, 58, 142];
    const { mask, count } = selectOnScreen(positions, n, screen, { kind: 'lasso', points: lasso });
    const expected = [
      ...[-2, -1, 0, 1, 2].flatMap((x) => [at(x, 1), at(x, 2)]),
      ...[-2, -1].flatMap((x) => [at(x, -2), at(x, -1), at(x, 0)]),
    ].sort((a, b) => a - b);
    expect(chosen(mask)).toEqual(expected);
    expect(count).toBe(16);
  });

  it('a box selects the points between its corners, given in any order', () => {
    const box = { kind: 'box' as const, x0: 131, y0: 49, x1: 69, y1: 111 };
    const { mask, count } = selectOnScreen(positions, n, screen, box);
    // x −1.55…1.55 and y −0.55…2.55: x in {−1, 0, 1}, y in {0, 1, 2}.
    const expected = [0, 1, 2].flatMap((y) => [-1, 0, 1].map((x) => at(x, y)));
    expect(chosen(mask)).toEqual(expected.sort((a, b) => a - b));
    expect(count).toBe(9);
  });

  it('a self-crossing lasso follows the even–odd rule', () => {
    // A bow tie: two triangles meeting at the centre pixel (100, 100).
    const bow = [40, 40, 160, 160, 160, 40, 40, 160];
    const { mask } = selectOnScreen(positions, n, screen, { kind: 'lasso', points: bow });
    const poly = bandedPolygon(bow)!;
    // Left and right triangles are in; the top and bottom ones are out.
    expect(poly.contains(60, 100)).toBe(true);
    expect(poly.contains(140, 100)).toBe(true);
    expect(poly.contains(100, 60)).toBe(false);
    expect(poly.contains(100, 140)).toBe(false);
    expect(mask[at(-2, 0)]).toBe(1);
    expect(mask[at(2, 0)]).toBe(1);
    expect(mask[at(0, 2)]).toBe(0);
    expect(mask[at(0, -2)]).toBe(0);
  });

  it('matches three.js projection and a brute-force polygon test from an arbitrary camera', () => {
    const rng = createRng(5);
    const cam = new PerspectiveCamera(50, 1, 0.05, 40);
    cam.position.set(2.2, -1.3, 3.1);
    cam.lookAt(0.2, 0.1, -0.3);
    const width = 640;
    const height = 400;
    const sc = screenCamera(cam, width, height);
    const m = 20_000;
    const pos = Float32Array.from({ length: m * 3 }, () => rng.normal() * 2);
    // A 40-vertex star around the canvas centre.
    const lasso: number[] = [];
    for (let k = 0; k < 40; k++) {
      const a = (k / 40) * 2 * Math.PI;
      const r = k % 2 ? 60 : 170;
      lasso.push(width / 2 + r * Math.cos(a), height / 2 + r * Math.sin(a));
    }
    const { mask } = selectOnScreen(pos, m, sc, { kind: 'lasso', points: lasso });
    const expected = new Uint8Array(m);
    const v = new Vector3();
    const view = new Vector3();
    for (let i = 0; i < m; i++) {
      v.set(pos[i * 3], pos[i * 3 + 1], pos[i * 3 + 2]);
      view.copy(v).applyMatrix4(cam.matrixWorldInverse);
      // In front of the camera, between its near and far planes.
      if (-view.z < cam.near || -view.z > cam.far) continue;
      v.project(cam);
      const x = (v.x + 1) * 0.5 * width;
      const y = (1 - v.y) * 0.5 * height;
      let inside = false;
      for (let a = 0, b = 39; a < 40; b = a++) {
        const [xa, ya, xb, yb] = [lasso[a * 2], lasso[a * 2 + 1], lasso[b * 2], lasso[b * 2 + 1]];
        if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
      }
      expected[i] = inside ? 1 : 0;
    }
    const differ = chosen(mask).filter((i) => !expected[i]).length;
    const missed = chosen(expected).filter((i) => !mask[i]).length;
    expect(chosen(expected).length).toBeGreaterThan(1000);
    expect(differ + missed).toBe(0);
  });

  it('selects nothing with a degenerate lasso, and reuses the output mask', () => {
    const out = new Uint8Array(n).fill(1);
    const r = selectOnScreen(positions, n, screen, { kind: 'lasso', points: [1, 1, 5, 5] }, out);
    expect(r.count).toBe(0);
    expect(r.mask).toBe(out);
    expect(chosen(out)).toEqual([]);
  });

  it('handles a million points quickly', () => {
    const rng = createRng(9);
    const big = 1_000_000;
    const pos = Float32Array.from({ length: big * 3 }, () => rng.normal());
    const lasso: number[] = [];
    for (let k = 0; k < 200; k++) {
      const a = (k / 200) * 2 * Math.PI;
      lasso.push(100 + 60 * Math.cos(a) * (1 + 0.3 * Math.sin(5 * a)), 100 + 60 * Math.sin(a));
    }
    const out = new Uint8Array(big);
    const start = performance.now();
    const r = selectOnScreen(pos, big, screen, { kind: 'lasso', points: lasso }, out);
    const ms = performance.now() - start;
    expect(r.count).toBeGreaterThan(100_000);
    expect(ms).toBeLessThan(2000);
  });
});
