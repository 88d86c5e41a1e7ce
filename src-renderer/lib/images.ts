/**
 * Decoded images arrive as Float32Array in [0, 1], row-major [h, w, c]. These helpers turn them
 * into RGBA bytes for canvas ImageData and compose grids and contact sheets.
 */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export function imageSize(s: ImageShape): number {
  return s.height * s.width * s.channels;
}

/** RGBA bytes for one image (grey images are replicated into R, G and B). */
export function toRgba(pixels: ArrayLike<number>, s: ImageShape, offset = 0): Uint8ClampedArray {
  const { height, width, channels } = s;
  const out = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p++) {
    const o = offset + p * channels;
    if (channels >= 3) {
      out[p * 4] = pixels[o] * 255;
      out[p * 4 + 1] = pixels[o + 1] * 255;
      out[p * 4 + 2] = pixels[o + 2] * 255;
    } else {
      const v = pixels[o] * 255;
      out[p * 4] = v;
      out[p * 4 + 1] = v;
      out[p * 4 + 2] = v;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

export interface GridLayout {
  cols: number;
  rows: number;
  pad: number;
  width: number;
  height: number;
}

export function gridLayout(count: number, s: ImageShape, cols: number, pad = 2): GridLayout {
  const c = Math.max(1, Math.min(cols, count));
  const rows = Math.max(1, Math.ceil(count / c));
  return {
    cols: c,
    rows,
    pad,
    width: c * s.width + (c + 1) * pad,
    height: rows * s.height + (rows + 1) * pad,
  };
}

/**
 * `count` images (concatenated) composed into one RGBA grid with `pad` pixels of `background`
 * between them (Uint8ClampedArray of layout.width × layout.height × 4).
 */
export function composeGrid(
  pixels: ArrayLike<number>,
  count: number,
  s: ImageShape,
  cols: number,
  pad = 2,
  background: [number, number, number] = [24, 26, 32],
): { rgba: Uint8ClampedArray; layout: GridLayout } {
  const layout = gridLayout(count, s, cols, pad);
  const rgba = new Uint8ClampedArray(layout.width * layout.height * 4);
  for (let p = 0; p < layout.width * layout.height; p++) {
    rgba[p * 4] = background[0];
    rgba[p * 4 + 1] = background[1];
    rgba[p * 4 + 2] = background[2];
    rgba[p * 4 + 3] = 255;
  }
  const size = imageSize(s);
  for (let i = 0; i < count; i++) {
    const one = toRgba(pixels, s, i * size);
    const x0 = pad + (i % layout.cols) * (s.width + pad);
    const y0 = pad + Math.floor(i / layout.cols) * (s.height + pad);
    for (let y = 0; y < s.height; y++) {
      rgba.set(
        one.subarray(y * s.width * 4, (y + 1) * s.width * 4),
        ((y0 + y) * layout.width + x0) * 4,
      );
    }
  }
  return { rgba, layout };
}
