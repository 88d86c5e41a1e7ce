/**
 * Sparse input similarities for Barnes–Hut t-SNE (van der Maaten, "Accelerating t-SNE using
 * tree-based algorithms", JMLR 15, 2014, section 4.1): each row's conditional probabilities
 * p_{j|i} are non-zero only over its k = ⌊3u⌋ nearest neighbours (u the perplexity), calibrated
 * so that the row's entropy is log u, then symmetrised, p_ij = (p_{j|i} + p_{i|j}) / 2n.
 */

/** A sparse n × n matrix in compressed rows: row i is cols/vals[rowPtr[i] .. rowPtr[i + 1]). */
export interface SparseRows {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/**
 * The k (≤ n − 1) nearest rows of every row of `data` (n × d) by Euclidean distance, itself
 * excluded: indices (n × k) in increasing distance, and their squared distances. Exact and brute
 * force: each pair's distance is computed once and offered to both rows' bounded max-heaps,
 * n(n − 1)/2 distances in all (10,000 × 16: 1.6 s here; × 64: 4.3 s), a few % of a 500-iteration
 * run. The paper uses a vantage-point tree, which prunes little in 16 to 128 dimensions of
 * full-rank data (not tried here).
 * (src-main/shared/maths/nearest-neighbours.ts answers one query with JS arrays; this is the
 * all-rows form on typed arrays.)
 */
export function allNearestNeighbours(
  data: Float32Array,
  n: number,
  d: number,
  k: number,
): { indices: Int32Array; distances: Float64Array } {
  const x = Float64Array.from(data.subarray(0, n * d));
  // Row i's heap is heapD/heapI[i·k .. i·k + k), its root (the largest kept) first; it starts
  // full of +∞ so that every insertion replaces the root.
  const heapD = new Float64Array(n * k).fill(Infinity);
  const heapI = new Int32Array(n * k).fill(-1);
  const d4 = d - (d % 4);
  const push = (o: number, s: number, j: number) => {
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= k) break;
      const r = l + 1;
      const m = r < k && heapD[o + r] > heapD[o + l] ? r : l;
      if (heapD[o + m] <= s) break;
      heapD[o + c] = heapD[o + m];
      heapI[o + c] = heapI[o + m];
      c = m;
    }
    heapD[o + c] = s;
    heapI[o + c] = j;
  };
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    const hi = i * k;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      // Four partial sums, so that the additions do not wait on one another.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t = 0;
      for (; t < d4; t += 4) {
        const a = x[oi + t] - x[oj + t];
        const b = x[oi + t + 1] - x[oj + t + 1];
        const c = x[oi + t + 2] - x[oj + t + 2];
        const e = x[oi + t + 3] - x[oj + t + 3];
        s0 += a * a;
        s1 += b * b;
        s2 += c * c;
        s3 += e * e;
      }
      for (; t < d; t++) {
        const a = x[oi + t] - x[oj + t];
        s0 += a * a;
      }
      const s = s0 + s1 + s2 + s3;
      if (s < heapD[hi]) push(hi, s, j);
      if (s < heapD[j * k]) push(j * k, s, i);
    }
  }
  // Pop every heap into its row, farthest last.
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let m = k - 1; m >= 0; m--) {
      distances[o + m] = heapD[o];
      indices[o + m] = heapI[o];
      // Move the heap's last entry to the root and sift it down through the first m entries.
      const lastD = heapD[o + m];
      const lastI = heapI[o + m];
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= m) break;
        const r = l + 1;
        const x2 = r < m && heapD[o + r] > heapD[o + l] ? r : l;
        if (heapD[o + x2] <= lastD) break;
        heapD[o + c] = heapD[o + x2];
        heapI[o + c] = heapI[o + x2];
        c = x2;
      }
      heapD[o + c] = lastD;
      heapI[o + c] = lastI;
    }
  }
  return { indices, distances };
}

/**
 * Conditional probabilities p_{j|i} ∝ exp(−β_i ‖x_i − x_j‖²) over each row's k neighbours
 * (squared distances `dist2`, n × k), with β_i found by bisection so that the row's entropy
 * H(P_i) = log(sum) + β_i E[d²] equals log(perplexity) to 1e-5 (the perplexity condition of
 * van der Maaten & Hinton, JMLR 2008, section 2). Rows sum to 1. Distances are shifted by the
 * row's smallest, which leaves p_{j|i} unchanged and keeps the exponentials from underflowing.
 */
export function conditionalProbabilities(
  dist2: Float64Array,
  n: number,
  k: number,
  perplexity: number,
): Float64Array {
  const p = new Float64Array(n * k);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let min = Infinity;
    for (let m = 0; m < k; m++) min = Math.min(min, dist2[o + m]);
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    for (let step = 0; step < 200; step++) {
      let sum = 0;
      let dot = 0;
      for (let m = 0; m < k; m++) {
        const dm = dist2[o + m] - min;
        const e = Math.exp(-beta * dm);
        p[o + m] = e;
        sum += e;
        dot += e * dm;
      }
      const h = Math.log(sum) + (beta * dot) / sum;
      for (let m = 0; m < k; m++) p[o + m] /= sum;
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  return p;
}

/**
 * P = (P_cond + P_condᵀ) / 2n (JMLR 2014, section 4.1) from conditional rows over
 * neighbour lists (`indices`, `cond`, both n × k): symmetric, summing to 1, each row's columns
 * sorted and distinct.
 */
export function symmetrise(
  indices: Int32Array,
  cond: Float64Array,
  n: number,
  k: number,
): SparseRows {
  // Row i holds its own k entries and one for every row that lists i; duplicates merged below.
  const count = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    count[i] += k;
    for (let m = 0; m < k; m++) count[indices[i * k + m]]++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + count[i];
  const fill = Int32Array.from(start.subarray(0, n));
  const cols = new Int32Array(start[n]);
  const vals = new Float64Array(start[n]);
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < k; m++) {
      const j = indices[i * k + m];
      const v = cond[i * k + m] * scale;
      cols[fill[i]] = j;
      vals[fill[i]++] = v;
      cols[fill[j]] = i;
      vals[fill[j]++] = v;
    }
  }
  // Sort each row by column (insertion sort: rows are short) and merge equal columns.
  const rowPtr = new Int32Array(n + 1);
  let out = 0;
  for (let i = 0; i < n; i++) {
    const a = start[i];
    const b = start[i + 1];
    for (let t = a + 1; t < b; t++) {
      const c = cols[t];
      const v = vals[t];
      let u = t - 1;
      while (u >= a && cols[u] > c) {
        cols[u + 1] = cols[u];
        vals[u + 1] = vals[u];
        u--;
      }
      cols[u + 1] = c;
      vals[u + 1] = v;
    }
    rowPtr[i] = out;
    for (let t = a; t < b; t++) {
      if (out > rowPtr[i] && cols[out - 1] === cols[t]) vals[out - 1] += vals[t];
      else {
        cols[out] = cols[t];
        vals[out++] = vals[t];
      }
    }
  }
  rowPtr[n] = out;
  return { rowPtr, cols: cols.slice(0, out), vals: vals.slice(0, out) };
}

/**
 * The sparse joint probabilities of Barnes–Hut t-SNE for n rows of dimension d: k = ⌊3u⌋
 * nearest neighbours (u the perplexity, lowered to (n − 1)/3 for few rows, as the exact path
 * does), calibrated rows, symmetrised.
 */
export function sparseJointProbabilities(
  data: Float32Array,
  n: number,
  d: number,
  perplexity: number,
): SparseRows {
  const u = Math.min(perplexity, Math.max(1, (n - 1) / 3));
  const k = Math.min(n - 1, Math.max(1, Math.floor(3 * u)));
  const { indices, distances } = allNearestNeighbours(data, n, d, k);
  const cond = conditionalProbabilities(distances, n, k, u);
  return symmetrise(indices, cond, n, k);
}
