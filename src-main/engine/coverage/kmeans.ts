// k-means (Lloyd 1982) with k-means++ seeding (Arthur & Vassilvitskii 2007), seeded.
import type { Latents } from './latents';
import type { Random } from './random';

export interface Clusters {
  /** k×d, row-major. */
  centers: Float64Array;
  sizes: number[];
  assignment: Int32Array;
}

export function kMeans(x: Latents, k: number, random: Random, iterations = 50): Clusters {
  const { data, n, d } = x;
  k = Math.max(1, Math.min(k, n));
  const centers = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  const distance2 = (i: number, c: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += (data[i * d + t] - centers[c * d + t]) ** 2;
    return s;
  };
  // k-means++: each new centre drawn with probability ∝ squared distance to the nearest one.
  let pick = random.integer(n);
  for (let c = 0; c < k; c++) {
    centers.set(data.subarray(pick * d, pick * d + d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], distance2(i, c));
      total += nearest[i];
    }
    if (total === 0) {
      k = c + 1;
      break;
    }
    let u = random.uniform() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= nearest[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
  const assignment = new Int32Array(n);
  const sizes = new Array<number>(k).fill(0);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let changed = iteration === 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const v = distance2(i, c);
        if (v < bestDistance) {
          bestDistance = v;
          best = c;
        }
      }
      if (assignment[i] !== best) changed = true;
      assignment[i] = best;
    }
    if (!changed) break;
    centers.fill(0, 0, k * d);
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i];
      sizes[c]++;
      for (let t = 0; t < d; t++) centers[c * d + t] += data[i * d + t];
    }
    for (let c = 0; c < k; c++)
      for (let t = 0; t < d; t++) centers[c * d + t] /= Math.max(1, sizes[c]);
  }
  for (let c = 0; c < k; c++) sizes[c] = 0;
  for (let i = 0; i < n; i++) sizes[assignment[i]]++;
  return { centers: centers.slice(0, k * d), sizes: sizes.slice(0, k), assignment };
}
