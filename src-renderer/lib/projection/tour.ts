import {
  matTmul,
  orthonormalizeColumns,
  svd3,
  type Matrix,
} from '../../../src-main/shared/maths/linalg';
import type { Rng } from '../rng';

/** A uniformly random orthonormal d × 3 frame (Gaussian matrix, Gram–Schmidt). */
export function randomFrame(d: number, rng: Rng): Matrix {
  const f = new Float64Array(d * 3);
  for (let i = 0; i < f.length; i++) f[i] = rng.normal();
  if (d < 3) {
    // Fewer than three dimensions: the frame is the identity padded with zero columns.
    f.fill(0);
    for (let j = 0; j < d; j++) f[j * 3 + j] = 1;
    return f;
  }
  return orthonormalizeColumns(f, d, 3);
}

export interface Geodesic {
  /** The largest principal angle between the two 3-planes (radians). */
  readonly maxAngle: number;
  /** The frame at t ∈ [0, 1]; frameAt(0) equals the start frame exactly. */
  frameAt(t: number): Matrix;
}

/**
 * The geodesic between the 3-planes spanned by frames A and B (the grand tour's interpolation,
 * Buja et al. 2005). With AᵀB = UΣVᵀ the principal angles are θᵢ = acos σᵢ; the principal
 * vectors are G = AU and H = the unit component of BV orthogonal to G; the plane at t is
 * spanned by G·cos(tθ) + H·sin(tθ). Multiplying by Uᵀ keeps the in-plane orientation of A at
 * t = 0, so consecutive segments join without a jump, and the picture does not spin needlessly.
 */
export function geodesic(a: Matrix, b: Matrix, d: number): Geodesic {
  if (d < 3) return { maxAngle: 0, frameAt: () => Float64Array.from(a) };
  const m = matTmul(a, b, d, 3, 3);
  const { u, s, v } = svd3(m);
  const theta = Array.from(s, (x) => Math.acos(Math.min(1, Math.max(-1, x))));
  const g = new Float64Array(d * 3);
  const bv = new Float64Array(d * 3);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < 3; j++) {
      let sg = 0;
      let sb = 0;
      for (let p = 0; p < 3; p++) {
        sg += a[i * 3 + p] * u[p * 3 + j];
        sb += b[i * 3 + p] * v[p * 3 + j];
      }
      g[i * 3 + j] = sg;
      bv[i * 3 + j] = sb;
    }
  }
  // H_j = (BV_j − G_j cos θ_j) / sin θ_j, zero where the planes already agree.
  const h = new Float64Array(d * 3);
  for (let j = 0; j < 3; j++) {
    const sn = Math.sin(theta[j]);
    if (sn < 1e-9) continue;
    const c = Math.cos(theta[j]);
    for (let i = 0; i < d; i++) h[i * 3 + j] = (bv[i * 3 + j] - g[i * 3 + j] * c) / sn;
  }
  return {
    maxAngle: Math.max(...theta),
    frameAt(t: number): Matrix {
      const w = new Float64Array(d * 3);
      for (let j = 0; j < 3; j++) {
        const c = Math.cos(t * theta[j]);
        const sn = Math.sin(t * theta[j]);
        for (let i = 0; i < d; i++) w[i * 3 + j] = g[i * 3 + j] * c + h[i * 3 + j] * sn;
      }
      // Back to A's in-plane orientation: F(t) = W(t)·Uᵀ.
      const f = new Float64Array(d * 3);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < 3; j++) {
          let sum = 0;
          for (let p = 0; p < 3; p++) sum += w[i * 3 + p] * u[j * 3 + p];
          f[i * 3 + j] = sum;
        }
      }
      return f;
    },
  };
}

/**
 * The grand tour: an endless walk along geodesics between random 3-frames at a constant angular
 * speed. `advance(seconds)` moves along and returns the current frame.
 */
export class GrandTour {
  private current: Matrix;
  private path: Geodesic;
  private t = 0;

  constructor(
    readonly d: number,
    private readonly rng: Rng,
    start?: Matrix,
    /** Radians per second along the largest principal angle. */
    public speed = 0.35,
  ) {
    this.current = start ? Float64Array.from(start) : randomFrame(d, rng);
    this.path = geodesic(this.current, randomFrame(d, rng), d);
  }

  get frame(): Matrix {
    return this.current;
  }

  advance(seconds: number): Matrix {
    if (this.d < 3) return this.current;
    let remaining = seconds * this.speed;
    for (let guard = 0; guard < 8 && remaining > 0; guard++) {
      const angle = Math.max(this.path.maxAngle, 1e-6);
      const dt = remaining / angle;
      if (this.t + dt < 1) {
        this.t += dt;
        remaining = 0;
      } else {
        remaining -= (1 - this.t) * angle;
        const end = this.path.frameAt(1);
        this.path = geodesic(end, randomFrame(this.d, this.rng), this.d);
        this.t = 0;
      }
    }
    this.current = this.path.frameAt(this.t);
    return this.current;
  }
}
