import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install -y chromium`), as the end-to-end tests and the viewer
 * benchmark (bench/viewer.ts) launch it; both skip where it is missing.
 */
export const CHROMIUM = '/usr/bin/chromium';

export interface ChromiumOptions {
  /** `swiftshader`: WebGL2 through ANGLE on SwiftShader (on the CPU); `none`: no GPU at all. */
  gl: 'swiftshader' | 'none';
  /** Lift the frame-rate cap (vsync), to measure the renderer rather than the display. */
  uncapped?: boolean;
}

/** The command line: no sandbox (containers), no background traffic or first-run chores. */
export function chromiumArgs({ gl, uncapped = false }: ChromiumOptions): string[] {
  return [
    '--no-sandbox',
    ...(gl === 'swiftshader'
      ? ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader']
      : ['--disable-gpu']),
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    ...(uncapped ? ['--disable-gpu-vsync', '--disable-frame-rate-limit'] : []),
  ];
}

export function launchChromium(options: ChromiumOptions): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(options) });
}

/** Pixels of canvas `testid` that differ from the page background (#0f1115): is it drawn? */
export async function litPixels(page: Page, testid = 'viewer-canvas'): Promise<number> {
  return page.evaluate((id) => {
    const src = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(src, 0, 0);
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let lit = 0;
    for (let i = 0; i < data.length; i += 4)
      if (Math.abs(data[i] - 15) + Math.abs(data[i + 1] - 17) + Math.abs(data[i + 2] - 21) > 40)
        lit++;
    return lit;
  }, testid);
}
