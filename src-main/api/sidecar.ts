/** `sheet.png` → `sheet.json`: where exportPng writes the latents of what an exported PNG shows. */
export function sidecarPath(png: string): string {
  return png.replace(/\.png$/i, '') + '.json';
}
