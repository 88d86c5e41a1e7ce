// Plot-ready series for the report: histograms with the prior's density on the same scale,
// quantile–quantile points, per-dimension bars and the 2-D hole map. Small and pre-binned, so
// the JSON stays a few hundred kilobytes whatever n is.

export interface HistogramBin {
  x0: number;
  x1: number;
  density: number;
}

export interface CurvePoint {
  x: number;
  density: number;
}

export interface DensityPlot {
  bins: HistogramBin[];
  curve: CurvePoint[];
  label: string;
}

export interface QqPlot {
  points: { theoretical: number; sample: number }[];
  label: string;
}

export interface DimensionBar {
  dimension: number;
  variance: number;
  kl?: number;
  active: boolean;
}

export interface HoleMap {
  axes: string;
  encoded: [number, number][];
  holes: [number, number][];
  centers: [number, number][];
}

export interface Plots {
  radius?: DensityPlot;
  qq?: QqPlot;
  pairwise?: DensityPlot;
  dimensions: DimensionBar[];
  holes?: HoleMap;
}

/** A density histogram of `values` with `bins` equal bins over [lo, hi]. */
export function histogram(
  values: ArrayLike<number>,
  bins: number,
  lo: number,
  hi: number,
): HistogramBin[] {
  const width = (hi - lo) / bins || 1;
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i] - lo) / width);
    if (b >= 0 && b < bins) counts[b]++;
    else if (values[i] === hi) counts[bins - 1]++;
  }
  return Array.from(counts, (c, b) => ({
    x0: lo + b * width,
    x1: lo + (b + 1) * width,
    density: c / (values.length * width),
  }));
}

/** A density plot of `values` against `density`, over their 0.1%–99.9% range widened to `include`. */
export function densityPlot(
  values: Float64Array,
  density: (x: number) => number,
  label: string,
  include: [number, number] = [Infinity, -Infinity],
  bins = 60,
): DensityPlot {
  const sorted = Float64Array.from(values).sort();
  const lo = Math.min(sorted[Math.floor(0.001 * (sorted.length - 1))], include[0]);
  const hi = Math.max(sorted[Math.ceil(0.999 * (sorted.length - 1))], include[1]);
  const curve: CurvePoint[] = [];
  for (let i = 0; i <= 200; i++) {
    const x = lo + ((hi - lo) * i) / 200;
    curve.push({ x, density: density(x) });
  }
  return { bins: histogram(values, bins, lo, hi), curve, label };
}

/** Sample quantiles against theoretical ones at probabilities (k − ½)/points. */
export function qqPlot(
  values: Float64Array,
  quantile: (p: number) => number,
  label: string,
  points = 200,
): QqPlot {
  const sorted = Float64Array.from(values).sort();
  const out: QqPlot['points'] = [];
  for (let k = 0; k < points; k++) {
    const p = (k + 0.5) / points;
    out.push({
      theoretical: quantile(p),
      sample: sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))],
    });
  }
  return { points: out, label };
}
