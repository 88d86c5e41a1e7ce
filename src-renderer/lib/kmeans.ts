import { createRng } from './rng';

/**
 * k-means (Lloyd) with k-means++ seeding on n rows of dimension d, for colouring points by
 * cluster. Estimated on at most `maxRows` evenly spaced rows, then every row is assigned.
 */
export function kmeans(
  data: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  options: { seed?: number; iterations?: number; maxRows?: number } = {},
): Int32Array {
  const labels = new Int32Array(n);
  if (n === 0 || k <= 1) return labels;
  const rng = createRng(options.seed ?? 7);
  const maxRows = options.maxRows ?? 5000;
  const stride = n > maxRows ? n / maxRows : 1;
  const rows = Math.min(n, maxRows);
  const sample = Array.from({ length: rows }, (_, r) => Math.min(n - 1, Math.floor(r * stride)));
  const kk = Math.min(k, rows);
  const centers = new Float64Array(kk * d);
  const dist2 = (row: number, c: number): number => {
    let s = 0;
    for (let i = 0; i < d; i++) {
      const v = data[row * d + i] - centers[c * d + i];
      s += v * v;
    }
    return s;
  };
  // k-means++ seeding.
  const first = sample[rng.int(rows)];
  for (let i = 0; i < d; i++) centers[i] = data[first * d + i];
  const best = new Float64Array(rows).fill(Infinity);
  for (let c = 1; c < kk; c++) {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      best[r] = Math.min(best[r], dist2(sample[r], c - 1));
      total += best[r];
    }
    let pick = rng.uniform() * total;
    let chosen = sample[rows - 1];
    for (let r = 0; r < rows; r++) {
      pick -= best[r];
      if (pick <= 0) {
        chosen = sample[r];
        break;
      }
    }
    for (let i = 0; i < d; i++) centers[c * d + i] = data[chosen * d + i];
  }
  const assign = (row: number): number => {
    let bestC = 0;
    let bestD = Infinity;
    for (let c = 0; c < kk; c++) {
      const dd = dist2(row, c);
      if (dd < bestD) {
        bestD = dd;
        bestC = c;
      }
    }
    return bestC;
  };
  const iterations = options.iterations ?? 25;
  const sums = new Float64Array(kk * d);
  const counts = new Int32Array(kk);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    counts.fill(0);
    let moved = false;
    for (let r = 0; r < rows; r++) {
      const row = sample[r];
      const c = assign(row);
      if (labels[row] !== c) moved = true;
      labels[row] = c;
      counts[c]++;
      for (let i = 0; i < d; i++) sums[c * d + i] += data[row * d + i];
    }
    for (let c = 0; c < kk; c++) {
      if (counts[c] === 0) continue;
      for (let i = 0; i < d; i++) centers[c * d + i] = sums[c * d + i] / counts[c];
    }
    if (!moved && it > 0) break;
  }
  for (let row = 0; row < n; row++) labels[row] = assign(row);
  return labels;
}
