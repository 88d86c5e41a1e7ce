import { chromium, type Browser } from 'playwright-core';

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
