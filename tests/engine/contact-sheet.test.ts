import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { contactSheet } from '../../src-main/engine/io/contact-sheet';

/** Pixels of a region brighter than the sheet's background (#11141a). */
async function litIn(png: Buffer, left: number, top: number, width: number, height: number) {
  const { data, info } = await sharp(png)
    .extract({ left, top, width, height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let lit = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i] > 80) lit++;
  return lit;
}

describe('contact sheets', () => {
  const images = new Float32Array(4 * 8 * 8).fill(0); // black images: any light is text
  it('draws each image at the chosen scale with a caption under it and a title on top', async () => {
    const png = await contactSheet(
      images,
      4,
      [8, 8, 1],
      4,
      {
        title: 'mnist-gaussian-16 · 4 favourites',
        captions: ['a data mean', 'b item #12 (7)', 'c prior sample #3', 'd z3 +1.20'],
      },
      2,
    );
    const meta = await sharp(png).metadata();
    // Two columns of 150 px cells (the minimum with captions: 8 × 4 = 32 px is narrower), 8 px padding.
    expect(meta.width).toBe(2 * 150 + 3 * 8);
    expect(await litIn(png, 0, 0, meta.width!, 30)).toBeGreaterThan(40); // the title
    // Under the first image (at y = 32 + 32 px): its caption.
    expect(await litIn(png, 8, 32 + 32, 150, 14)).toBeGreaterThan(10);
    // The image itself (centred in its cell) is black: no text over it.
    expect(await litIn(png, 8 + 59, 34, 32, 28)).toBe(0);
  });

  it('escapes markup in captions rather than breaking the drawing', async () => {
    const png = await contactSheet(images, 1, [8, 8, 1], 2, { captions: ['<b>&"x"</svg>'] });
    expect((await sharp(png).metadata()).format).toBe('png');
  });
});
