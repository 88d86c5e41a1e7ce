/**
 * Exact t-SNE (van der Maaten & Hinton, JMLR 2008): dense joint probabilities P and the exact
 * gradient, O(n²) per iteration. Used for small n, where it is exact and fast enough; larger runs
 * take the Barnes–Hut path (tsne-bh.ts, tsne-affinities.ts).
 */

/** Joint probabilities P (n × n, symmetric, summing to 1) at the given perplexity. */
export function exactJointProbabilities(
  data: Float32Array,
  n: number,
  d: number,
  perplexity: number,
): Float64Array {
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const v = data[i * d + k] - data[j * d + k];
        s += v * v;
      }
      dist[i * n + j] = s;
      dist[j * n + i] = s;
    }
  }
  const target = Math.log(Math.min(perplexity, Math.max(1, (n - 1) / 3)));
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    const row = i * n;
    for (let step = 0; step < 50; step++) {
      let sum = 0;
      let dot = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const e = Math.exp(-dist[row + j] * beta);
        p[row + j] = e;
        sum += e;
        dot += e * dist[row + j];
      }
      if (sum === 0) sum = 1e-300;
      // Entropy H = log(sum) + beta · E[d²].
      const h = Math.log(sum) + (beta * dot) / sum;
      for (let j = 0; j < n; j++) if (j !== i) p[row + j] /= sum;
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
    p[row + i] = 0;
  }
  const norm = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = Math.max((p[i * n + j] + p[j * n + i]) * norm, 1e-12);
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
  }
  return p;
}

/**
 * The exact gradient of the t-SNE cost into `grad` (n × 3), with P (n × n, dense) multiplied by
 * `exaggeration`: ∂C/∂y_i = 4 Σ_j (α p_ij − q_ij) (1 + ‖y_i − y_j‖²)⁻¹ (y_i − y_j)
 * (JMLR 2008, section 3), q_ij = (1 + ‖y_i − y_j‖²)⁻¹ / Z, Z = Σ_{k≠l} (1 + ‖y_k − y_l‖²)⁻¹.
 */
export function exactGradient(
  y: Float64Array,
  p: Float64Array,
  n: number,
  exaggeration: number,
  grad: Float64Array,
): void {
  let z = 0;
  for (let i = 0; i < n; i++) {
    const yi0 = y[i * 3];
    const yi1 = y[i * 3 + 1];
    const yi2 = y[i * 3 + 2];
    for (let j = i + 1; j < n; j++) {
      const a = yi0 - y[j * 3];
      const b = yi1 - y[j * 3 + 1];
      const c = yi2 - y[j * 3 + 2];
      z += 2 / (1 + a * a + b * b + c * c);
    }
  }
  grad.fill(0);
  const invZ = 1 / z;
  for (let i = 0; i < n; i++) {
    const yi0 = y[i * 3];
    const yi1 = y[i * 3 + 1];
    const yi2 = y[i * 3 + 2];
    const row = i * n;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let j = i + 1; j < n; j++) {
      const a = yi0 - y[j * 3];
      const b = yi1 - y[j * 3 + 1];
      const c = yi2 - y[j * 3 + 2];
      const q = 1 / (1 + a * a + b * b + c * c);
      const m = 4 * (exaggeration * p[row + j] - q * invZ) * q;
      g0 += m * a;
      g1 += m * b;
      g2 += m * c;
      grad[j * 3] -= m * a;
      grad[j * 3 + 1] -= m * b;
      grad[j * 3 + 2] -= m * c;
    }
    grad[i * 3] += g0;
    grad[i * 3 + 1] += g1;
    grad[i * 3 + 2] += g2;
  }
}
