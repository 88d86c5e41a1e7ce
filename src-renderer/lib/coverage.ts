import { formatNumber, formatP, formatPercent } from './format';

/**
 * The engine's coverage report, read tolerantly: the contract keeps it an open record so new
 * statistics can be added, and a page must not break on one it does not know. Every field here
 * is optional; `readCoverage` picks out what it recognises.
 */
export interface PValueStat {
  statistic?: number;
  p?: number;
}

export interface CoverageDimension {
  mean: number;
  std: number;
  kl?: number;
  active: boolean;
}

export interface Coverage {
  n?: number;
  d?: number;
  prior?: string;
  mardia?: {
    skewness?: { b1?: number; statistic?: number; df?: number; p?: number };
    kurtosis?: { b2?: number; z?: number; p?: number };
  };
  radiusKs?: PValueStat;
  pairwiseKs?: PValueStat & { pairs?: number };
  mmd?: { value?: number; p?: number };
  slicedWasserstein?: number;
  cramerWold?: number;
  dimensions: CoverageDimension[];
  activeUnits?: number;
  holes?: { fraction?: number; threshold?: number; centers?: number[][] };
  sphere?: Record<string, unknown>;
  sphereTests?: SphereTests;
  plots?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && !Number.isNaN(v) ? v : undefined;

/** A number, or the `value`/`statistic`/`distance` field of an object. */
function scalar(v: unknown): number | undefined {
  if (num(v) !== undefined) return num(v);
  if (isObj(v)) return num(v.value) ?? num(v.statistic) ?? num(v.distance);
  return undefined;
}

/** A test's statistic and p-value; undefined when the engine did not compute it (nulls + reason). */
function pStat(v: unknown): PValueStat | undefined {
  if (!isObj(v)) return undefined;
  const out = { statistic: num(v.statistic) ?? num(v.value), p: num(v.p) ?? num(v.pValue) };
  return out.statistic === undefined && out.p === undefined ? undefined : out;
}

export interface SphereTests {
  rayleigh?: PValueStat & { meanResultantLength?: number };
  bingham?: PValueStat;
  projections?: PValueStat;
}

function readSphere(v: unknown): SphereTests | undefined {
  if (!isObj(v)) return undefined;
  const r = isObj(v.rayleigh) ? v.rayleigh : undefined;
  const out: SphereTests = {
    rayleigh: pStat(r)
      ? { ...pStat(r), meanResultantLength: num(r?.mean_resultant_length) }
      : undefined,
    bingham: pStat(v.bingham),
    projections: pStat(v.projections),
  };
  return out.rayleigh || out.bingham || out.projections ? out : undefined;
}

/** Rows of a matrix given as number[][], or as a flat array/typed array with a row length. */
function matrixRows(v: unknown, width: number | undefined): number[][] | undefined {
  if (Array.isArray(v) && v.every(Array.isArray)) return v.map((r) => (r as unknown[]).map(Number));
  if ((Array.isArray(v) || ArrayBuffer.isView(v)) && width && width > 0) {
    const flat = Array.from(v as ArrayLike<number>, Number);
    const rows: number[][] = [];
    for (let i = 0; i + width <= flat.length; i += width) rows.push(flat.slice(i, i + width));
    return rows;
  }
  return undefined;
}

export function readCoverage(report: Obj): Coverage {
  const d = num(report.d) ?? num(report.dim);
  const mardia = isObj(report.mardia) ? report.mardia : undefined;
  const skew = mardia && isObj(mardia.skewness) ? mardia.skewness : undefined;
  const kurt = mardia && isObj(mardia.kurtosis) ? mardia.kurtosis : undefined;
  const dims = Array.isArray(report.dimensions) ? report.dimensions : [];
  const holes = isObj(report.holes) ? report.holes : undefined;
  const pairwise = isObj(report.pairwise_ks) ? report.pairwise_ks : undefined;
  const mmd = report.mmd;
  return {
    n: num(report.n),
    d,
    prior:
      typeof report.prior === 'string'
        ? report.prior
        : isObj(report.prior)
          ? String(report.prior.kind ?? '')
          : undefined,
    mardia: mardia
      ? {
          skewness:
            skew && num(skew.p) !== undefined
              ? {
                  b1: num(skew.b1),
                  statistic: num(skew.statistic),
                  df: num(skew.df),
                  p: num(skew.p),
                }
              : undefined,
          kurtosis:
            kurt && num(kurt.p) !== undefined
              ? { b2: num(kurt.b2), z: num(kurt.z), p: num(kurt.p) }
              : undefined,
        }
      : undefined,
    radiusKs: pStat(report.radius_ks),
    pairwiseKs: pStat(pairwise) ? { ...pStat(pairwise), pairs: num(pairwise?.pairs) } : undefined,
    mmd:
      isObj(mmd) && (num(mmd.value) ?? num(mmd.statistic)) !== undefined
        ? { value: num(mmd.value) ?? num(mmd.statistic), p: num(mmd.p) }
        : num(mmd) !== undefined
          ? { value: num(mmd) }
          : undefined,
    slicedWasserstein: scalar(report.sliced_wasserstein),
    cramerWold: scalar(report.cramer_wold),
    dimensions: dims.filter(isObj).map((x) => ({
      mean: num(x.mean) ?? 0,
      std: num(x.std) ?? 0,
      kl: num(x.kl),
      active: Boolean(x.active),
    })),
    activeUnits:
      num(report.active_units) ??
      (isObj(report.active_units) ? num(report.active_units.count) : undefined),
    holes: holes
      ? {
          fraction: num(holes.fraction),
          threshold: num(holes.threshold),
          centers: matrixRows(holes.centers, d),
        }
      : undefined,
    sphere: isObj(report.sphere) ? report.sphere : undefined,
    sphereTests: readSphere(report.sphere),
    plots: isObj(report.plots) ? report.plots : undefined,
  };
}

export type Tone = 'good' | 'warn' | 'bad' | 'info';

export interface Verdict {
  key: string;
  title: string;
  tone: Tone;
  /** One plain-language sentence a non-statistician can act on. */
  text: string;
  /** The numbers behind it. */
  detail: string;
}

/** Significance level for the verdicts. */
export const ALPHA = 0.05;

function toneOfP(p: number | undefined): Tone {
  if (p === undefined) return 'info';
  if (p >= ALPHA) return 'good';
  return p >= 0.001 ? 'warn' : 'bad';
}

/**
 * A plain-language verdict per test. A p-value above 0.05 means the test found no evidence that
 * the encoded data differs from the prior in that respect; with thousands of points, tiny
 * differences become "significant", so the sentences say what differs, not how badly.
 */
export function verdicts(c: Coverage): Verdict[] {
  const out: Verdict[] = [];
  const sk = c.mardia?.skewness;
  if (sk) {
    const tone = toneOfP(sk.p);
    out.push({
      key: 'mardia-skewness',
      title: 'Symmetry (Mardia skewness)',
      tone,
      text:
        tone === 'good'
          ? 'The cloud is as symmetric as the Gaussian prior: no lopsided clusters detected.'
          : 'The cloud is lopsided: some directions have a longer tail on one side than the prior allows.',
      detail: `b₁ = ${formatNumber(sk.b1)}, χ² = ${formatNumber(sk.statistic)} (df ${formatNumber(sk.df)}), ${formatP(sk.p)}`,
    });
  }
  const ku = c.mardia?.kurtosis;
  if (ku) {
    const tone = toneOfP(ku.p);
    const heavy = (ku.z ?? 0) > 0;
    out.push({
      key: 'mardia-kurtosis',
      title: 'Tails (Mardia kurtosis)',
      tone,
      text:
        tone === 'good'
          ? 'Tails look like the prior’s: as many far-out points as a Gaussian would have.'
          : heavy
            ? 'Tails are heavier than the prior’s: more points far out than sampling would produce.'
            : 'Tails are lighter than the prior’s: the cloud is too compact, with few points far out.',
      detail: `b₂ = ${formatNumber(ku.b2)}, z = ${formatNumber(ku.z)}, ${formatP(ku.p)}`,
    });
  }
  if (c.radiusKs) {
    const tone = toneOfP(c.radiusKs.p);
    out.push({
      key: 'radius-ks',
      title: 'Distance from the centre (radius KS)',
      tone,
      text:
        tone === 'good'
          ? 'Points sit at the distances from the centre the prior predicts: prior samples land where data is.'
          : 'Points sit at other distances from the centre than the prior predicts: samples from the prior will often land where there is no data.',
      detail: `D = ${formatNumber(c.radiusKs.statistic)}, ${formatP(c.radiusKs.p)}`,
    });
  }
  if (c.pairwiseKs) {
    const tone = toneOfP(c.pairwiseKs.p);
    out.push({
      key: 'pairwise-ks',
      title: 'Spread (pairwise distances)',
      tone,
      text:
        tone === 'good'
          ? 'Points are as far apart from each other as prior samples are.'
          : 'Points are packed closer together or spread further apart than prior samples would be.',
      detail: `D = ${formatNumber(c.pairwiseKs.statistic)}, ${formatP(c.pairwiseKs.p)}${c.pairwiseKs.pairs ? `, ${c.pairwiseKs.pairs} disjoint pairs` : ''}`,
    });
  }
  if (c.mmd) {
    const tone = toneOfP(c.mmd.p);
    out.push({
      key: 'mmd',
      title: 'Overall match (MMD)',
      tone,
      text:
        tone === 'good'
          ? 'Overall, the encoded data cannot be told apart from prior samples.'
          : tone === 'info'
            ? 'Distance between the encoded data and the prior; smaller is better.'
            : 'Overall, the encoded data is distinguishable from prior samples.',
      detail: `MMD² = ${formatNumber(c.mmd.value)}, ${formatP(c.mmd.p)}`,
    });
  }
  if (c.slicedWasserstein !== undefined || c.cramerWold !== undefined) {
    out.push({
      key: 'distances',
      title: 'Distances to the prior',
      tone: 'info',
      text: 'How far the encoded data is from the prior; compare between models (smaller is closer).',
      detail: `sliced Wasserstein ${formatNumber(c.slicedWasserstein)}, Cramér–Wold ${formatNumber(c.cramerWold)}`,
    });
  }
  const d = c.d ?? c.dimensions.length;
  const active =
    c.activeUnits ??
    (c.dimensions.length ? c.dimensions.filter((x) => x.active).length : undefined);
  if (active !== undefined && d) {
    const frac = active / d;
    out.push({
      key: 'active-units',
      title: 'Dimensions in use (active units)',
      tone: frac >= 0.5 ? 'good' : frac > 0 ? 'warn' : 'bad',
      text:
        active === d
          ? `All ${d} dimensions carry information about the data.`
          : `${active} of ${d} dimensions carry information; the other ${d - active} are ignored by the decoder (posterior collapse), so their sliders do little.`,
      detail: `active = variance of the means > 0.01 (Burda et al. 2016)`,
    });
  }
  const st = c.sphereTests;
  if (st?.rayleigh) {
    const tone = toneOfP(st.rayleigh.p);
    out.push({
      key: 'rayleigh',
      title: 'Balance on the sphere (Rayleigh)',
      tone,
      text:
        tone === 'good'
          ? 'The points have no preferred direction: their mean direction is as short as for uniform points.'
          : 'The points lean to one side of the sphere: a whole region of it holds little data.',
      detail: `mean resultant length ${formatNumber(st.rayleigh.meanResultantLength)}, ${formatP(st.rayleigh.p)}`,
    });
  }
  if (st?.bingham) {
    const tone = toneOfP(st.bingham.p);
    out.push({
      key: 'bingham',
      title: 'Spread over the sphere (Bingham)',
      tone,
      text:
        tone === 'good'
          ? 'The points spread evenly in every direction, as uniform points would.'
          : 'The points crowd along some axes or a band of the sphere instead of covering it evenly.',
      detail: `statistic ${formatNumber(st.bingham.statistic)}, ${formatP(st.bingham.p)}`,
    });
  }
  if (st?.projections) {
    const tone = toneOfP(st.projections.p);
    out.push({
      key: 'sphere-projections',
      title: 'Random projections (sphere)',
      tone,
      text:
        tone === 'good'
          ? 'Seen from random directions, the points look uniformly spread.'
          : 'Seen from some directions, the points are not spread as uniform points would be.',
      detail: `statistic ${formatNumber(st.projections.statistic)}, ${formatP(st.projections.p)}`,
    });
  }
  if (c.holes && c.holes.fraction !== undefined) {
    const f = c.holes.fraction;
    out.push({
      key: 'holes',
      title: 'Holes in the prior',
      tone: f < 0.05 ? 'good' : f < 0.2 ? 'warn' : 'bad',
      text:
        f < 0.05
          ? 'Almost every region the prior samples from has encoded data nearby.'
          : `${formatPercent(f)} of prior samples fall far from any encoded point: they may decode to blurry or odd images. Holes are marked in the viewer.`,
      detail: `fraction ${formatPercent(f)}${c.holes.threshold !== undefined ? `, threshold ${formatNumber(c.holes.threshold)}` : ''}${c.holes.centers ? `, ${c.holes.centers.length} centres` : ''}`,
    });
  }
  return out;
}

/** A finite number array from a plots entry (array or typed array), or undefined. */
export function plotSeries(
  plots: Record<string, unknown> | undefined,
  ...keys: string[]
): number[] | undefined {
  if (!plots) return undefined;
  for (const k of keys) {
    const v = plots[k];
    if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
    if (ArrayBuffer.isView(v) && !(v instanceof DataView))
      return Array.from(v as unknown as ArrayLike<number>);
  }
  return undefined;
}

export interface DensityFigure {
  bins: { x0: number; x1: number; density: number }[];
  curve: { x: number; density: number }[];
  label: string;
}

export interface QqFigure {
  points: { theoretical: number; sample: number }[];
  label: string;
}

export interface HoleMapFigure {
  axes: string;
  encoded: [number, number][];
  holes: [number, number][];
  centers: [number, number][];
}

/** The engine's pre-binned density plot under `key` (bins with the prior's curve), if any. */
export function densityFigure(
  plots: Record<string, unknown> | undefined,
  key: string,
): DensityFigure | undefined {
  const v = plots?.[key];
  if (!isObj(v) || !Array.isArray(v.bins) || !Array.isArray(v.curve)) return undefined;
  return {
    bins: v.bins as DensityFigure['bins'],
    curve: v.curve as DensityFigure['curve'],
    label: String(v.label ?? ''),
  };
}

export function qqFigure(plots: Record<string, unknown> | undefined): QqFigure | undefined {
  const v = plots?.qq;
  if (!isObj(v) || !Array.isArray(v.points)) return undefined;
  return { points: v.points as QqFigure['points'], label: String(v.label ?? '') };
}

export function holeMap(plots: Record<string, unknown> | undefined): HoleMapFigure | undefined {
  const v = plots?.holes;
  if (!isObj(v) || !Array.isArray(v.encoded) || !Array.isArray(v.holes)) return undefined;
  return {
    axes: String(v.axes ?? ''),
    encoded: v.encoded as [number, number][],
    holes: v.holes as [number, number][],
    centers: (Array.isArray(v.centers) ? v.centers : []) as [number, number][],
  };
}
