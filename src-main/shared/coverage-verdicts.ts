// The coverage report in plain words: one verdict per test, with the figures behind it, and a
// summary first. The page's coverage panel, the CLI's HTML report and its terminal text all show
// this list, so they cannot disagree. Browser-safe: it imports only the report's type.
import type { CoverageReport } from './coverage-report';
import { formatNumber, formatP } from './format';

export type Tone = 'good' | 'warn' | 'bad' | 'info';

export interface CoverageVerdict {
  /** Stable id: 'summary', 'mardia-kurtosis', 'radius-ks', ... */
  key: string;
  /** The test's short name, as the summary lists it: 'Mardia kurtosis'. */
  test: string;
  /** What it looks at, in words, with the test's name: 'Tails (Mardia kurtosis)'. */
  title: string;
  tone: Tone;
  /** One plain-language sentence a non-statistician can act on. */
  text: string;
  /** The figures behind it. */
  detail: string;
  /** How the figures were computed (subsamples, settings), or why they could not be. */
  note: string;
  /** The test's p-value, when it is a test and it was computed. */
  p: number | null;
}

/** Significance level for the verdicts. */
export const ALPHA = 0.05;

function percent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** good: no evidence of a difference at α; warn: some; bad: strong (p < 0.001); info: no p. */
export function toneOfP(p: number | null): Tone {
  if (p === null || !Number.isFinite(p)) return 'info';
  if (p >= ALPHA) return 'good';
  return p >= 0.001 ? 'warn' : 'bad';
}

/** A test that applies to this prior but whose figures could not be computed. */
function notComputed(key: string, test: string, title: string, reason: string): CoverageVerdict {
  return {
    key,
    test,
    title,
    tone: 'info',
    text: 'This test could not be computed for this data.',
    detail: '—',
    note: reason,
    p: null,
  };
}

type Shift = 'inside' | 'outside' | 'wider' | 'narrower';

/**
 * Where the radii ‖z‖ sit against chi_d, read off the report's own quantile–quantile plot of
 * them (the plot the page and the HTML report draw beside the verdict): the median ratio says
 * shrunk or inflated, the 10–90% range ratio says too spread or too narrow. Null when neither
 * departs by more than 5–10% or the plot is missing.
 */
function radiusShift(report: CoverageReport): Shift | null {
  const points = report.prior === 'gaussian' ? report.plots.qq?.points : undefined;
  if (!points || points.length < 3) return null;
  const at = (q: number) => points[Math.min(points.length - 1, Math.floor(q * points.length))];
  const [lo, mid, hi] = [at(0.1), at(0.5), at(0.9)];
  if (
    mid.sample === null ||
    mid.theoretical === null ||
    lo.sample === null ||
    lo.theoretical === null ||
    hi.sample === null ||
    hi.theoretical === null ||
    !(mid.theoretical > 0) ||
    !(hi.theoretical > lo.theoretical)
  )
    return null;
  const median = mid.sample / mid.theoretical;
  if (median < 0.95) return 'inside';
  if (median > 1.05) return 'outside';
  const spread = (hi.sample - lo.sample) / (hi.theoretical - lo.theoretical);
  if (spread > 1.1) return 'wider';
  if (spread < 0.9) return 'narrower';
  return null;
}

const RADIUS_TEXT: Record<Shift | 'other', string> = {
  inside:
    'Points sit closer to the centre than the prior predicts: prior samples further out will land where there is no data.',
  outside:
    'Points sit further from the centre than the prior predicts: prior samples near the centre will land where there is no data.',
  wider:
    'Distances from the centre vary more than the prior predicts: some points sit too close in and some too far out.',
  narrower:
    'Points sit in a thinner shell than the prior predicts: prior samples inside or outside it will land where there is no data.',
  other:
    'Points sit at other distances from the centre than the prior predicts: samples from the prior will often land where there is no data.',
};

/** Per-test verdicts, in the order the report lists the tests, after a summary of them. */
export function coverageVerdicts(report: CoverageReport): CoverageVerdict[] {
  const out: CoverageVerdict[] = [];
  const gaussian = report.prior === 'gaussian';

  // Mardia's tests compare the cloud with a Gaussian of its own mean and covariance (they are
  // affine invariant): they judge its shape, never its place or scale against the prior — the
  // radius test does that — so their sentences claim nothing about the prior's scale.
  if (gaussian) {
    const { skewness: sk, kurtosis: ku, reason } = report.mardia;
    if (sk) {
      const tone = toneOfP(sk.p);
      out.push({
        key: 'mardia-skewness',
        test: 'Mardia skewness',
        title: 'Symmetry (Mardia skewness)',
        tone,
        text:
          tone === 'good'
            ? 'The cloud is as symmetric as a Gaussian: no lopsided clusters detected.'
            : tone === 'info'
              ? 'The symmetry figure came out undefined for this data.'
              : 'The cloud is lopsided: some directions have a longer tail on one side than a Gaussian has.',
        detail: `b₁ = ${formatNumber(sk.b1)}, χ² = ${formatNumber(sk.statistic)} (df ${sk.df}), ${formatP(sk.p)}`,
        note: `all ${report.n} rows; b₁ ${report.mardia.method === 'pairwise' ? 'by pairwise sums' : 'from the third-moment tensor'}`,
        p: sk.p,
      });
    } else {
      out.push(
        notComputed(
          'mardia-skewness',
          'Mardia skewness',
          'Symmetry (Mardia skewness)',
          reason ?? '',
        ),
      );
    }
    if (ku) {
      const tone = toneOfP(ku.p);
      const heavy = (ku.z ?? 0) > 0;
      out.push({
        key: 'mardia-kurtosis',
        test: 'Mardia kurtosis',
        title: 'Tails (Mardia kurtosis)',
        tone,
        text:
          tone === 'good'
            ? 'Tails are shaped like a Gaussian’s of the cloud’s own spread (this test ignores where the cloud sits and how wide it is: the distance-from-centre test checks that).'
            : tone === 'info'
              ? 'The tail figure came out undefined for this data.'
              : heavy
                ? 'Tails are heavier than a Gaussian’s of the same spread: more points far out than sampling would produce.'
                : 'Tails are lighter than a Gaussian’s of the same spread: too few points far out, the cloud is compact or hollow.',
        detail: `b₂ = ${formatNumber(ku.b2)}, z = ${formatNumber(ku.z)}, ${formatP(ku.p)}`,
        note: `all ${report.n} rows`,
        p: ku.p,
      });
    } else {
      out.push(
        notComputed('mardia-kurtosis', 'Mardia kurtosis', 'Tails (Mardia kurtosis)', reason ?? ''),
      );
    }

    const radius = report.radius_ks;
    const title = 'Distance from the centre (radius KS)';
    if ('reason' in radius) {
      out.push(notComputed('radius-ks', 'radius KS', title, radius.reason));
    } else {
      const tone = toneOfP(radius.p);
      out.push({
        key: 'radius-ks',
        test: 'radius KS',
        title,
        tone,
        text:
          tone === 'good'
            ? 'Points sit at the distances from the centre the prior predicts: prior samples land where data is.'
            : tone === 'info'
              ? 'The distance figure came out undefined for this data.'
              : RADIUS_TEXT[radiusShift(report) ?? 'other'],
        detail: `D = ${formatNumber(radius.statistic)}, ${formatP(radius.p)}`,
        note: `‖z‖ of all ${report.n} rows against chi_${report.d}`,
        p: radius.p,
      });
    }
  }

  const pairwise = report.pairwise_ks;
  const pairwiseTitle = 'Spread (pairwise distances)';
  if ('reason' in pairwise) {
    out.push(notComputed('pairwise-ks', 'pairwise KS', pairwiseTitle, pairwise.reason));
  } else {
    const tone = toneOfP(pairwise.p);
    out.push({
      key: 'pairwise-ks',
      test: 'pairwise KS',
      title: pairwiseTitle,
      tone,
      text:
        tone === 'good'
          ? 'Points are as far apart from each other as prior samples are.'
          : tone === 'info'
            ? 'The pairwise figure came out undefined for this data.'
            : 'Points are packed closer together or spread further apart than prior samples would be.',
      detail: `D = ${formatNumber(pairwise.statistic)}, ${formatP(pairwise.p)}, ${pairwise.pairs} disjoint pairs`,
      note:
        pairwise.quantity === 'inner-product'
          ? 'inner products u·u′ against the uniform sphere marginal'
          : `‖z − z′‖/√2 against chi_${report.d}`,
      p: pairwise.p,
    });
  }

  const mmd = report.mmd;
  const mmdTone = toneOfP(mmd.p);
  out.push({
    key: 'mmd',
    test: 'MMD',
    title: 'Overall match (MMD)',
    tone: mmdTone,
    text:
      mmdTone === 'good'
        ? 'Overall, the encoded data cannot be told apart from prior samples.'
        : mmdTone === 'info'
          ? 'Distance between the encoded data and the prior; smaller is better.'
          : 'Overall, the encoded data is distinguishable from prior samples.',
    detail: `MMD² = ${formatNumber(mmd.value)}, permutation ${formatP(mmd.p)}`,
    note: `IMQ kernel, subsample ${mmd.subsample} vs ${mmd.prior_samples} prior samples, ${mmd.permutations} permutations`,
    p: mmd.p,
  });

  const sw = report.sliced_wasserstein_details;
  const cw = report.cramer_wold_details;
  out.push({
    key: 'distances',
    test: 'distances',
    title: 'Distances to the prior',
    tone: 'info',
    text: 'How far the encoded data is from the prior; compare between models (smaller is closer).',
    detail: `sliced Wasserstein SW₂ = ${formatNumber(report.sliced_wasserstein)}, Cramér–Wold d² = ${formatNumber(report.cramer_wold)}`,
    note: `SW₂: ${sw.directions} directions, subsample ${sw.subsample}; Cramér–Wold: γ = ${formatNumber(cw.gamma)}, subsample ${cw.subsample}`,
    p: null,
  });

  const d = report.d;
  const active = report.active_units;
  out.push({
    key: 'active-units',
    test: 'active units',
    title: 'Dimensions in use (active units)',
    tone: active / d >= 0.5 ? 'good' : active > 0 ? 'warn' : 'bad',
    text:
      active === d
        ? `All ${d} dimensions carry information about the data.`
        : `${active} of ${d} dimensions carry information; the other ${d - active} are ignored by the decoder (posterior collapse), so their sliders do little.`,
    detail: `${active} of ${d} active`,
    note: `Cov_x(E_q[z_j]) > 0.01 (Burda et al. 2016), from the ${report.active_units_source}`,
    p: null,
  });

  if (report.sphere) out.push(...sphereVerdicts(report.sphere));

  const holes = report.holes;
  if ('reason' in holes) {
    out.push(notComputed('holes', 'prior holes', 'Holes in the prior', holes.reason));
  } else {
    const f = holes.fraction;
    out.push({
      key: 'holes',
      test: 'prior holes',
      title: 'Holes in the prior',
      tone: f < 0.05 ? 'good' : f < 0.2 ? 'warn' : 'bad',
      text:
        f < 0.05
          ? 'Almost every region the prior samples from has encoded data nearby.'
          : `${percent(f)} of prior samples fall far from any encoded point: they may decode to blurry or odd images. Holes are marked in the viewer.`,
      detail: `${percent(f)} of prior samples (≈ ${percent(holes.expected_fraction)} expected), ${holes.centers.length} centres`,
      note: `nearest-neighbour distance above ${formatNumber(holes.threshold)} (the encoded points' ${holes.quantile} quantile), ${holes.prior_samples} prior samples, ${holes.reference_subsample} reference points`,
      p: null,
    });
  }

  return [summary(out), ...out];
}

function sphereVerdicts(sphere: NonNullable<CoverageReport['sphere']>): CoverageVerdict[] {
  if ('reason' in sphere) {
    return [
      notComputed(
        'sphere-uniformity',
        'sphere uniformity',
        'Uniformity on the sphere',
        sphere.reason,
      ),
    ];
  }
  const { rayleigh, bingham, projections, radius } = sphere;
  const r = toneOfP(rayleigh.p);
  const b = toneOfP(bingham.p);
  const pr = toneOfP(projections.p);
  const undefinedText = 'The figure came out undefined for this data.';
  return [
    {
      key: 'rayleigh',
      test: 'Rayleigh',
      title: 'Balance on the sphere (Rayleigh)',
      tone: r,
      text:
        r === 'good'
          ? 'The points have no preferred direction: their mean direction is as short as for uniform points.'
          : r === 'info'
            ? undefinedText
            : 'The points lean to one side of the sphere: a whole region of it holds little data.',
      detail: `mean resultant length R̄ = ${formatNumber(rayleigh.mean_resultant_length)}, ${formatP(rayleigh.p)}`,
      note: `statistic ${formatNumber(rayleigh.statistic)}, χ² with df ${rayleigh.df}`,
      p: rayleigh.p,
    },
    {
      key: 'bingham',
      test: 'Bingham',
      title: 'Spread over the sphere (Bingham)',
      tone: b,
      text:
        b === 'good'
          ? 'The points spread evenly in every direction, as uniform points would.'
          : b === 'info'
            ? undefinedText
            : 'The points crowd along some axes or a band of the sphere instead of covering it evenly.',
      detail: `statistic ${formatNumber(bingham.statistic)}, ${formatP(bingham.p)}`,
      note: `χ² with df ${bingham.df}`,
      p: bingham.p,
    },
    {
      key: 'sphere-projections',
      test: 'projection KS',
      title: 'Random projections (sphere)',
      tone: pr,
      text:
        pr === 'good'
          ? 'Seen from random directions, the points look uniformly spread.'
          : pr === 'info'
            ? undefinedText
            : 'Seen from some directions, the points are not spread as uniform points would be.',
      detail: `max D = ${formatNumber(projections.statistic)}, ${formatP(projections.p)}`,
      note: `${projections.directions} directions, Bonferroni, subsample ${projections.subsample}`,
      p: projections.p,
    },
    {
      key: 'sphere-radius',
      test: 'lengths',
      title: 'Lengths before projection',
      tone: 'info',
      text: radius.normalized
        ? 'The encoded points were not unit vectors: they were scaled onto the sphere before testing.'
        : 'The encoded points are unit vectors, as the sphere prior expects.',
      detail: `‖z‖ mean ${formatNumber(radius.mean)}, min ${formatNumber(radius.min)}, max ${formatNumber(radius.max)}`,
      note: '',
      p: null,
    },
  ];
}

/** Keys of the verdicts that say whether the data fills the prior (the rest describe it). */
const JUDGED = new Set([
  'mardia-skewness',
  'mardia-kurtosis',
  'radius-ks',
  'pairwise-ks',
  'mmd',
  'rayleigh',
  'bingham',
  'sphere-projections',
  'holes',
]);

/**
 * The verdicts' sum: "fills the prior" only when every test that applies was computed and found
 * no difference; otherwise it names the tests that found one, or says which could not be run.
 */
function summary(verdicts: CoverageVerdict[]): CoverageVerdict {
  const judged = verdicts.filter((v) => JUDGED.has(v.key));
  const failed = judged.filter((v) => v.tone === 'warn' || v.tone === 'bad');
  const missing = judged.filter((v) => v.tone === 'info');
  const names = (list: CoverageVerdict[]) => list.map((v) => v.test).join(', ');
  const base = { key: 'summary', test: 'summary', title: 'Summary', p: null };
  if (failed.length > 0) {
    const strong = failed.some((v) => v.tone === 'bad');
    return {
      ...base,
      tone: strong ? 'bad' : 'warn',
      // Only weak differences (0.001 ≤ p < α) among several checks can be chance: one of six
      // fails about a quarter of the time on data drawn from the prior itself.
      text: strong
        ? `The encoded data does not fill the prior evenly: ${failed.length} of ${judged.length} checks found a difference, so some prior samples will decode poorly.`
        : `The encoded data may not fill the prior evenly: ${failed.length} of ${judged.length} checks found a weak difference, which with ${judged.length} checks can also happen by chance.`,
      detail: `differs: ${names(failed)}`,
      note: missing.length ? `not computed: ${names(missing)}` : '',
    };
  }
  if (missing.length === judged.length) {
    return {
      ...base,
      tone: 'info',
      text: 'None of the checks could be computed for this data.',
      detail: '—',
      note: `not computed: ${names(missing)}`,
    };
  }
  if (missing.length > 0) {
    return {
      ...base,
      tone: 'good',
      text: `None of the ${judged.length - missing.length} checks that could be computed found a difference between the encoded data and the prior.`,
      detail: `no difference: ${names(judged.filter((v) => v.tone === 'good'))}`,
      note: `not computed: ${names(missing)}`,
    };
  }
  return {
    ...base,
    tone: 'good',
    text: `The encoded data fills the prior: none of the ${judged.length} checks found a difference, so prior samples land where the data is.`,
    detail: `no difference: ${names(judged)}`,
    note: '',
  };
}
