import sharp from 'sharp';

/** A packed 8-bit image. */
export interface RasterImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * Tiles n images (row-major Float32 in [0, 1], each [h, w, c]) into one grid with a 1-pixel
 * gutter. Point-set items (shape [d]) cannot be drawn and are refused.
 */
export function imageGrid(
  images: Float32Array,
  n: number,
  shape: number[],
  columns?: number,
): RasterImage {
  if (shape.length !== 3 || (shape[2] !== 1 && shape[2] !== 3)) {
    throw new Error(
      `items of shape [${shape.join(', ')}] are not images; a grid needs [h, w, 1] or [h, w, 3]`,
    );
  }
  const [h, w, c] = shape as [number, number, 1 | 3];
  const cols = Math.max(1, columns ?? Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const gap = 1;
  const width = cols * (w + gap) - gap;
  const height = rows * (h + gap) - gap;
  const data = new Uint8Array(width * height * c);
  const size = h * w * c;
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * (w + gap);
    const oy = Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const v = images[k * size + (y * w + x) * c + ch];
          data[((oy + y) * width + ox + x) * c + ch] = Math.round(
            255 * Math.min(1, Math.max(0, v)),
          );
        }
      }
    }
  }
  return { data, width, height, channels: c };
}

/** Encodes an image as PNG, optionally scaled up with nearest-neighbour so small digits stay crisp. */
export async function encodePng(image: RasterImage, scale = 1): Promise<Buffer> {
  let pipeline = sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });
  if (scale > 1)
    pipeline = pipeline.resize(image.width * scale, image.height * scale, { kernel: 'nearest' });
  return pipeline.png().toBuffer();
}
