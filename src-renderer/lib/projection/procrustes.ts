import { det3, svd3, type Matrix } from '../../../src-main/shared/maths/linalg';

export interface Alignment {
  /** 3 × 3 orthogonal R, applied to row vectors: aligned = source·R + translation. */
  rotation: Matrix;
  translation: Float64Array;
  /** Root-mean-square distance after alignment. */
  rmsd: number;
}

export interface ProcrustesOptions {
  /** Allow an improper rotation (a reflection): PCA sign flips are reflections. Default false. */
  allowReflection?: boolean;
  /** Fit a translation too (centre both sets first). Default true. */
  translate?: boolean;
  /** Use at most this many evenly spaced rows. */
  maxRows?: number;
}

/**
 * Orthogonal Procrustes (Kabsch): the rotation R (and translation t) minimising
 * Σᵢ ‖sourceᵢ·R + t − targetᵢ‖² over n matched 3D points (row-major n × 3). With M = SᵀT = UΣVᵀ
 * the optimum is R = U·diag(1, 1, det(UVᵀ))·Vᵀ (Kabsch 1976); without the sign correction it may
 * be a reflection.
 */
export function procrustes(
  source: ArrayLike<number>,
  target: ArrayLike<number>,
  n: number,
  options: ProcrustesOptions = {},
): Alignment {
  const translate = options.translate ?? true;
  const maxRows = options.maxRows ?? 20_000;
  const stride = n > maxRows ? n / maxRows : 1;
  const rows = Math.min(n, maxRows);
  const idx = (r: number): number => Math.min(n - 1, Math.floor(r * stride));
  const sMean = new Float64Array(3);
  const tMean = new Float64Array(3);
  if (translate && rows > 0) {
    for (let r = 0; r < rows; r++) {
      const o = idx(r) * 3;
      for (let j = 0; j < 3; j++) {
        sMean[j] += source[o + j];
        tMean[j] += target[o + j];
      }
    }
    for (let j = 0; j < 3; j++) {
      sMean[j] /= rows;
      tMean[j] /= rows;
    }
  }
  const m = new Float64Array(9);
  for (let r = 0; r < rows; r++) {
    const o = idx(r) * 3;
    for (let i = 0; i < 3; i++) {
      const si = source[o + i] - sMean[i];
      for (let j = 0; j < 3; j++) m[i * 3 + j] += si * (target[o + j] - tMean[j]);
    }
  }
  const { u, v } = svd3(m);
  const uvT = (d3: number): Matrix => {
    const r = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        r[i * 3 + j] =
          u[i * 3] * v[j * 3] + u[i * 3 + 1] * v[j * 3 + 1] + d3 * u[i * 3 + 2] * v[j * 3 + 2];
      }
    }
    return r;
  };
  let rotation = uvT(1);
  if (!options.allowReflection && det3(rotation) < 0) rotation = uvT(-1);
  const translation = new Float64Array(3);
  for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let p = 0; p < 3; p++) s += sMean[p] * rotation[p * 3 + j];
    translation[j] = tMean[j] - s;
  }
  let err = 0;
  for (let r = 0; r < rows; r++) {
    const o = idx(r) * 3;
    for (let j = 0; j < 3; j++) {
      let y = translation[j];
      for (let p = 0; p < 3; p++) y += source[o + p] * rotation[p * 3 + j];
      err += (y - target[o + j]) ** 2;
    }
  }
  return { rotation, translation, rmsd: rows > 0 ? Math.sqrt(err / rows) : 0 };
}

/** Applies an alignment to n row-major 3D points, in place. */
export function applyAlignment(points: Float32Array, n: number, a: Alignment): Float32Array {
  const r = a.rotation;
  const t = a.translation;
  for (let i = 0; i < n; i++) {
    const x = points[i * 3];
    const y = points[i * 3 + 1];
    const z = points[i * 3 + 2];
    points[i * 3] = x * r[0] + y * r[3] + z * r[6] + t[0];
    points[i * 3 + 1] = x * r[1] + y * r[4] + z * r[7] + t[1];
    points[i * 3 + 2] = x * r[2] + y * r[5] + z * r[8] + t[2];
  }
  return points;
}
