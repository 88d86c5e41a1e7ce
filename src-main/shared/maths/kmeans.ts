// k-means (Lloyd 1982) with k-means++ seeding (Arthur & Vassilvitskii 2007), drawing from the
// caller's seeded uniform generator: the coverage report's hole centres, the Gaussian mixture's
// starting responsibilities and the page's cluster colours.

export interface Clusters {
  /** count × d, row-major: one centre per cluster (count ≤ the k asked for, see `kMeans`). */
  centers: Float64Array;
  /** The number of rows in each cluster. */
  sizes: number[];
  /** The cluster of each of the n rows. */
  assignment: Int32Array;
}

export interface KMeansOptions {
  /** At most this many Lloyd iterations (default 50); it stops once no row changes cluster. */
  iterations?: number;
  /** Fit on at most this many evenly spaced rows, then assign every row to its nearest centre. */
  maxRows?: number;
}

/**
 * Clusters n rows of dimension d (row-major) into k. `uniform` draws from [0, 1): the first centre
 * is a uniform row, each next one a row drawn with probability ∝ its squared distance to the
 * nearest centre so far. When fewer than k distinct rows exist, fewer clusters come back. A
 * cluster that loses all its rows during the iterations keeps its last centre.
 */
export function kMeans(
  data: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  uniform: () => number,
  options: KMeansOptions = {},
): Clusters {
  if (n === 0) return { centers: new Float64Array(0), sizes: [], assignment: new Int32Array(0) };
  const maxRows = options.maxRows ?? n;
  const rows = Math.min(n, maxRows);
  // Fitting on evenly spaced rows bounds the cost of the iterations; the final assignment of all
  // rows is one more O(n·k·d) pass.
  const x = rows < n ? evenlySpacedRows(data, n, d, rows) : data;
  const centers = seedCentres(x, rows, d, Math.max(1, Math.min(k, rows)), uniform);
  const count = centers.length / d;

  const assignment = new Int32Array(rows);
  const sums = new Float64Array(count * d);
  const sizes = new Array<number>(count).fill(0);
  const iterations = Math.max(1, options.iterations ?? 50);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let changed = iteration === 0;
    for (let i = 0; i < rows; i++) {
      const c = nearestCentre(x, i, d, centers, count);
      if (assignment[i] !== c) changed = true;
      assignment[i] = c;
    }
    if (!changed) break;
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < rows; i++) {
      const c = assignment[i];
      sizes[c]++;
      for (let t = 0; t < d; t++) sums[c * d + t] += x[i * d + t];
    }
    for (let c = 0; c < count; c++) {
      if (sizes[c] === 0) continue;
      for (let t = 0; t < d; t++) centers[c * d + t] = sums[c * d + t] / sizes[c];
    }
  }
  const all = rows < n ? new Int32Array(n) : assignment;
  if (rows < n) for (let i = 0; i < n; i++) all[i] = nearestCentre(data, i, d, centers, count);
  sizes.fill(0);
  for (let i = 0; i < n; i++) sizes[all[i]]++;
  return { centers, sizes, assignment: all };
}

/** k-means++: up to k centres, fewer when every row already sits on one. */
function seedCentres(
  x: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  uniform: () => number,
): Float64Array {
  const centers = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(uniform() * n);
  for (let c = 0; c < k; c++) {
    for (let t = 0; t < d; t++) centers[c * d + t] = x[pick * d + t];
    if (c === k - 1) break;
    let total = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = x[i * d + t] - centers[c * d + t];
        s += v * v;
      }
      if (s < nearest[i]) nearest[i] = s;
      total += nearest[i];
      if (nearest[i] > 0) last = i;
    }
    if (total === 0) return centers.slice(0, (c + 1) * d);
    // D² sampling; if rounding leaves the target unspent, the last row off every centre.
    let u = uniform() * total;
    pick = last;
    for (let i = 0; i < n; i++) {
      u -= nearest[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
  return centers;
}

function nearestCentre(
  x: ArrayLike<number>,
  i: number,
  d: number,
  centers: Float64Array,
  count: number,
): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0; c < count; c++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = x[i * d + t] - centers[c * d + t];
      s += v * v;
    }
    if (s < bestDistance) {
      bestDistance = s;
      best = c;
    }
  }
  return best;
}

function evenlySpacedRows(data: ArrayLike<number>, n: number, d: number, rows: number) {
  const stride = n / rows;
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const source = Math.min(n - 1, Math.floor(r * stride)) * d;
    for (let t = 0; t < d; t++) out[r * d + t] = data[source + t];
  }
  return out;
}
