/**
 * Point colours: a categorical palette for labels and clusters, a perceptual sequential map
 * (viridis) for continuous values such as reconstruction error, density or radius.
 */

/** Tableau 10 followed by its lighter partners: 20 distinguishable hues on a dark background. */
export const CATEGORICAL = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#a0cbe8', '#ffbe7d', '#ff9d9a', '#8cd17d', '#b6992d',
  '#f1ce63', '#86bcb6', '#d4a6c8', '#fabfd2', '#d7b5a6',
] as const; // prettier-ignore

/** Viridis control points (van der Walt & Smith), interpolated linearly. */
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84], [72, 35, 116], [64, 67, 135], [52, 94, 141], [41, 120, 142],
  [32, 144, 140], [34, 167, 132], [68, 190, 112], [121, 209, 81], [189, 222, 38],
  [253, 231, 37],
]; // prettier-ignore

export function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function categoricalColor(index: number): [number, number, number] {
  if (index < 0) return [110, 116, 128];
  return hexToRgb(CATEGORICAL[index % CATEGORICAL.length]);
}

/** Viridis at t ∈ [0, 1] (clamped). */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

export function viridisCss(t: number): string {
  const [r, g, b] = viridis(t);
  return `rgb(${r}, ${g}, ${b})`;
}

/** RGB per point (n × 3 bytes) from integer labels; negative labels are grey. */
export function colorsFromLabels(labels: ArrayLike<number>, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    let c = cache.get(l);
    if (!c) {
      c = categoricalColor(l);
      cache.set(l, c);
    }
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return out;
}

/** A robust range for a continuous colour: the 2nd and 98th percentiles of finite values. */
export function robustRange(values: ArrayLike<number>, n: number): [number, number] {
  const step = Math.max(1, Math.floor(n / 20_000));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (sample.length === 0) return [0, 1];
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(0.02 * (sample.length - 1))];
  const hi = sample[Math.ceil(0.98 * (sample.length - 1))];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

/** RGB per point from continuous values mapped through viridis over `range`. */
export function colorsFromValues(
  values: ArrayLike<number>,
  n: number,
  range: [number, number] = robustRange(values, n),
): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(viridis(i / 255), i * 3);
  const out = new Uint8Array(n * 3);
  const [lo, hi] = range;
  const scale = 255 / (hi - lo || 1);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const k = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - lo) * scale))) : 0;
    out[i * 3] = lut[k * 3];
    out[i * 3 + 1] = lut[k * 3 + 1];
    out[i * 3 + 2] = lut[k * 3 + 2];
  }
  return out;
}
