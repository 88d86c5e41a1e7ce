import sharp from 'sharp';

/** What a contact sheet says about its images: a title line and one caption per image. */
export interface SheetText {
  title?: string;
  captions?: readonly string[];
}

const CAPTION_PX = 14;
const TITLE_PX = 16;
const PAD = 8;
/** Average advance of the caption font, as a fraction of its size (to truncate, not to lay out). */
const CHAR_WIDTH = 0.58;

/**
 * A contact sheet: images (row-major float32 in [0, 1], each [h, w, c]) scaled up with
 * nearest-neighbour, in a grid on a dark page, each with up to two caption lines under it and
 * a title on top, as PNG. Text is drawn by librsvg (inside sharp) with the system's sans font.
 */
export async function contactSheet(
  images: Float32Array,
  n: number,
  shape: readonly [number, number, 1 | 3],
  scale: number,
  text: SheetText,
  columns?: number,
): Promise<Buffer> {
  const [h, w, c] = shape;
  const cols = Math.max(1, Math.min(n, columns ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.max(1, Math.ceil(n / cols));
  const lines = text.captions?.length ? 2 : 0;
  // Room for two caption lines of about 24 characters under small images.
  const cellW = Math.max(w * scale, lines ? 150 : 96);
  const cellH = h * scale + lines * CAPTION_PX + (lines ? 4 : 0);
  const top = text.title ? TITLE_PX + PAD * 2 : PAD;
  const width = cols * cellW + (cols + 1) * PAD;
  const height = top + rows * cellH + rows * PAD;
  const size = h * w * c;

  const tiles = await Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++)
        bytes[i] = Math.round(255 * Math.min(1, Math.max(0, images[k * size + i])));
      const input = await sharp(Buffer.from(bytes), { raw: { width: w, height: h, channels: c } })
        .resize(w * scale, h * scale, { kernel: 'nearest' })
        .toColourspace('srgb')
        .png()
        .toBuffer();
      const col = k % cols;
      const row = Math.floor(k / cols);
      return {
        input,
        left: PAD + col * (cellW + PAD) + Math.floor((cellW - w * scale) / 2),
        top: top + row * (cellH + PAD),
      };
    }),
  );

  const svg: string[] = [];
  if (text.title)
    svg.push(
      `<text x="${PAD}" y="${PAD + TITLE_PX - 3}" font-size="${TITLE_PX}" font-weight="600" fill="#e6e9ef">${escapeXml(fit(text.title, width - 2 * PAD, TITLE_PX))}</text>`,
    );
  text.captions?.slice(0, n).forEach((caption, k) => {
    const x = PAD + (k % cols) * (cellW + PAD);
    const y = top + Math.floor(k / cols) * (cellH + PAD) + h * scale + CAPTION_PX;
    wrap(caption, cellW, CAPTION_PX - 3)
      .slice(0, 2)
      .forEach((line, i) =>
        svg.push(
          `<text x="${x}" y="${y + i * CAPTION_PX}" font-size="${CAPTION_PX - 3}" fill="${i === 0 ? '#cfd5e1' : '#8b93a7'}">${escapeXml(line)}</text>`,
        ),
      );
  });
  const overlay = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">${svg.join('')}</svg>`,
  );

  return sharp({ create: { width, height, channels: 3, background: '#11141a' } })
    .composite([...tiles, { input: overlay, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

/** Up to two lines of at most `width` px each; the second ends in an ellipsis when cut. */
function wrap(text: string, width: number, px: number): string[] {
  const max = Math.max(4, Math.floor(width / (px * CHAR_WIDTH)));
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= max) line = next;
    else {
      if (line) lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > 2) lines[1] = fit(lines.slice(1).join(' '), width, px);
  return lines.map((l) => fit(l, width, px));
}

function fit(text: string, width: number, px: number): string {
  const max = Math.max(4, Math.floor(width / (px * CHAR_WIDTH)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
