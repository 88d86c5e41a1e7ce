/**
 * im2col and its adjoint col2im for NHWC images, on plain Float32Arrays.
 *
 * A 2-D convolution y = conv2d(x, W) with W [kh, kw, ci, co] is the product cols · W₂ of the
 * patch matrix cols [n·ho·wo, kh·kw·ci] (one row per output position, its taps in W's order) and
 * W reshaped to [kh·kw·ci, co]. col2im is the transpose (adjoint) of that gather: it scatter-adds
 * every patch row back into the image, so the input gradient of a convolution and the forward
 * pass of a transposed convolution are both col2im(product).
 */
export interface PatchGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** Zero padding before the first row / column (TensorFlow's `same` puts the odd one after). */
  padTop: number;
  padLeft: number;
}

export function patchRows(g: PatchGeometry): number {
  return g.batch * g.outHeight * g.outWidth;
}

export function patchWidth(g: PatchGeometry): number {
  return g.kernelHeight * g.kernelWidth * g.inChannels;
}

/** cols[row, (i·kw + j)·ci + c] = x[n, oy·sh − top + i, ox·sw − left + j, c], zero outside. */
export function im2col(x: Float32Array, cols: Float32Array, g: PatchGeometry): void {
  const { batch, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = g;
  const { kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw } = g;
  const { padTop: top, padLeft: left } = g;
  const rowWidth = kh * kw * ci;
  let dst = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h * w * ci;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - top + i;
          if (iy < 0 || iy >= h) {
            cols.fill(0, dst, dst + kw * ci);
            dst += kw * ci;
            continue;
          }
          const line = image + iy * w * ci;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - left + j;
            if (ix < 0 || ix >= w) {
              cols.fill(0, dst, dst + ci);
            } else {
              let src = line + ix * ci;
              for (let c = 0; c < ci; c++) cols[dst + c] = x[src++];
            }
            dst += ci;
          }
        }
      }
    }
  }
  if (dst !== patchRows(g) * rowWidth) throw new Error('im2col: geometry mismatch');
}

/** The adjoint of im2col: x (zeroed here) += every patch row scattered back to its taps. */
export function col2im(cols: Float32Array, x: Float32Array, g: PatchGeometry): void {
  const { batch, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = g;
  const { kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw } = g;
  const { padTop: top, padLeft: left } = g;
  x.fill(0);
  let src = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h * w * ci;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - top + i;
          if (iy < 0 || iy >= h) {
            src += kw * ci;
            continue;
          }
          const line = image + iy * w * ci;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - left + j;
            if (ix >= 0 && ix < w) {
              let dst = line + ix * ci;
              for (let c = 0; c < ci; c++) x[dst++] += cols[src + c];
            }
            src += ci;
          }
        }
      }
    }
  }
}
