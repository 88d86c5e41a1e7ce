import { beforeAll, describe, expect, it } from 'vitest';
import { randomDistortion } from '../../src-main/engine/training/augment';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const SIDE = 28;

/** n copies of a centred Gaussian blob (σ = 3 px) on a 28 × 28 canvas. */
function blobs(n: number): tf.Tensor2D {
  const c = (SIDE - 1) / 2;
  const image = Float32Array.from({ length: SIDE * SIDE }, (_, i) => {
    const dx = (i % SIDE) - c;
    const dy = Math.floor(i / SIDE) - c;
    return Math.exp(-(dx * dx + dy * dy) / (2 * 9));
  });
  return tf.tile(tf.tensor2d(image, [1, SIDE * SIDE]), [n, 1]) as tf.Tensor2D;
}

/** Per image: mass, centre of mass (x, y) relative to the canvas centre, radius of gyration. */
function moments(x: tf.Tensor2D): { mass: number; dx: number; dy: number; radius: number }[] {
  const values = x.dataSync();
  const c = (SIDE - 1) / 2;
  return Array.from({ length: x.shape[0] }, (_, k) => {
    let mass = 0;
    let sx = 0;
    let sy = 0;
    let sr = 0;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = values[k * SIDE * SIDE + i];
      const px = (i % SIDE) - c;
      const py = Math.floor(i / SIDE) - c;
      mass += v;
      sx += v * px;
      sy += v * py;
      sr += v * (px * px + py * py);
    }
    const dx = sx / mass;
    const dy = sy / mass;
    return { mass, dx, dy, radius: Math.sqrt(sr / mass - dx * dx - dy * dy) };
  });
}

/** The blob's own radius of gyration; bilinear resampling blurs by at most ¼ px² per axis. */
const base = () => tf.tidy(() => moments(blobs(1))[0].radius);
const keepsBlob = (radius: number) => {
  expect(radius).toBeGreaterThan(base() - 0.01);
  expect(radius).toBeLessThan(Math.sqrt(base() ** 2 + 0.5));
};

describe('random distortion', () => {
  it('is the identity at zero range, and seeded', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([4, SIDE * SIDE], 0, 1, 'float32', 3) as tf.Tensor2D;
      const none = randomDistortion(x, [SIDE, SIDE, 1], 7, {
        rotation: 0,
        scale: 0,
        shift: 0,
        stroke: 0,
      });
      expect(Array.from(none.dataSync())).toEqual(Array.from(x.dataSync()));
      const a = randomDistortion(x, [SIDE, SIDE, 1], 7).dataSync();
      const b = randomDistortion(x, [SIDE, SIDE, 1], 7).dataSync();
      const c = randomDistortion(x, [SIDE, SIDE, 1], 8).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(c));
    });
  });

  it('shifts the centre of mass by up to ±shift·side, uniformly, and keeps the blob', () => {
    const shift = 0.1;
    const m = tf.tidy(() =>
      moments(
        randomDistortion(blobs(400), [SIDE, SIDE, 1], 1, {
          rotation: 0,
          scale: 0,
          shift,
          stroke: 0,
        }),
      ),
    );
    const limit = shift * SIDE;
    const dxs = m.map((r) => r.dx);
    expect(Math.max(...dxs.map(Math.abs))).toBeLessThanOrEqual(limit + 0.05);
    expect(Math.max(...dxs)).toBeGreaterThan(0.9 * limit);
    expect(Math.min(...m.map((r) => r.dy))).toBeLessThan(-0.9 * limit);
    // Uniform on [−a, a]: mean 0, variance a²/3 (400 draws: SE of the variance ≈ 4.5 %).
    const variance = dxs.reduce((s, v) => s + v * v, 0) / dxs.length;
    expect(variance / (limit * limit)).toBeGreaterThan(1 / 3 - 0.06);
    expect(variance / (limit * limit)).toBeLessThan(1 / 3 + 0.06);
    for (const r of m) keepsBlob(r.radius);
  });

  it('scales about the centre by a factor within 1 ± scale; rotation keeps a round blob in place', () => {
    const scale = 0.1;
    const grown = tf.tidy(() =>
      moments(
        randomDistortion(blobs(200), [SIDE, SIDE, 1], 2, {
          rotation: 0,
          scale,
          shift: 0,
          stroke: 0,
        }),
      ),
    );
    const ratios = grown.map((r) => r.radius / base());
    expect(Math.min(...ratios)).toBeGreaterThan(1 - scale - 0.01);
    expect(Math.max(...ratios)).toBeLessThan(1 + scale + 0.02);
    expect(Math.min(...ratios)).toBeLessThan(1 - 0.8 * scale);
    expect(Math.max(...ratios)).toBeGreaterThan(1 + 0.8 * scale);
    for (const r of grown) expect(Math.hypot(r.dx, r.dy)).toBeLessThan(0.01);
    const turned = tf.tidy(() =>
      moments(
        randomDistortion(blobs(50), [SIDE, SIDE, 1], 3, {
          rotation: 1,
          scale: 0,
          shift: 0,
          stroke: 0,
        }),
      ),
    );
    for (const r of turned) {
      expect(Math.hypot(r.dx, r.dy)).toBeLessThan(0.01);
      keepsBlob(r.radius);
    }
  });

  it('turns an off-centre dot about the image centre by at most the rotation range', () => {
    // A dot 8 px right of centre: its angle after the distortion stays within ±15°.
    const image = new Float32Array(SIDE * SIDE);
    const c = (SIDE - 1) / 2;
    image[Math.round(c) * SIDE + Math.round(c) + 8] = 1;
    const m = tf.tidy(() =>
      moments(
        randomDistortion(
          tf.tile(tf.tensor2d(image, [1, SIDE * SIDE]), [300, 1]) as tf.Tensor2D,
          [SIDE, SIDE, 1],
          4,
          {
            rotation: (15 * Math.PI) / 180,
            scale: 0,
            shift: 0,
            stroke: 0,
          },
        ),
      ),
    );
    const dot = { x: Math.round(c) + 8 - c, y: Math.round(c) - c };
    const angles = m.map((r) => Math.atan2(r.dy, r.dx) - Math.atan2(dot.y, dot.x));
    const degrees = angles.map((a) => (a * 180) / Math.PI);
    expect(Math.max(...degrees.map(Math.abs))).toBeLessThan(15.5);
    expect(Math.max(...degrees)).toBeGreaterThan(12);
    expect(Math.min(...degrees)).toBeLessThan(-12);
  });

  it('thickens or thins strokes, between a 3 × 3 erosion and dilation, both ways', () => {
    // A vertical bar 2 px wide.
    const bar = Float32Array.from({ length: SIDE * SIDE }, (_, i) =>
      [13, 14].includes(i % SIDE) && i >= 4 * SIDE && i < 24 * SIDE ? 1 : 0,
    );
    tf.tidy(() => {
      const x = tf.tile(tf.tensor2d(bar, [1, SIDE * SIDE]), [200, 1]) as tf.Tensor2D;
      const images = tf.reshape(x, [200, SIDE, SIDE, 1]) as tf.Tensor4D;
      const dilated = tf.reshape(tf.maxPool(images, 3, 1, 'same'), [200, -1]);
      const eroded = tf.reshape(tf.neg(tf.maxPool(tf.neg(images), 3, 1, 'same')), [200, -1]);
      const y = randomDistortion(x, [SIDE, SIDE, 1], 5, {
        rotation: 0,
        scale: 0,
        shift: 0,
        stroke: 0.7,
      });
      expect(tf.min(tf.sub(y, eroded)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-6);
      expect(tf.max(tf.sub(y, dilated)).dataSync()[0]).toBeLessThanOrEqual(1e-6);
      const mass = tf.sum(y, 1).dataSync();
      const original = bar.reduce((a, b) => a + b, 0);
      const ratios = Array.from(mass, (m) => m / original);
      // Dilation doubles a 2-px bar's width (+1 px each side) and adds its ends; erosion removes it.
      expect(Math.max(...ratios)).toBeGreaterThan(1 + 0.8 * 0.7 * 0.9);
      expect(Math.min(...ratios)).toBeLessThan(1 - 0.8 * 0.7 * 0.9);
    });
  });
});
