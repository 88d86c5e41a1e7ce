import { pseudoInverse, transpose } from '../../../src-main/shared/maths/linalg';
import { pca } from './pca';
import { linearView, type View } from './projection';

/** A saved attribute vector chosen as an axis of the view. */
export interface AxisVector {
  name: string;
  vector: ArrayLike<number>;
}

/** Two axes closer than this (degrees) read the same thing: the view refuses them. */
export const MIN_AXIS_ANGLE_DEG = 5;

export interface AttributeAxes {
  view: View;
  /** The angle (degrees) between each pair of chosen axes, [i, j, angle], i < j. */
  angles: [number, number, number][];
  /** Fraction of the residual's variance the PCA axes show (null when all three are vectors). */
  residualExplained: number | null;
}

/**
 * Latent Space Cartography's "attribute axes" (Liu et al., EuroVis 2019, §4.3): the cloud read
 * along one to three saved attribute vectors, each coordinate the point's projection on one unit
 * vector, ûₖ·(z − mean), so moving along an axis is moving along that attribute. The axes left
 * over are the top principal directions of the residual (what the vectors do not explain), which
 * lie in the orthogonal complement of the vectors' span.
 *
 * The vectors need not be perpendicular (two attributes are often correlated); the view keeps
 * each axis's own reading rather than orthogonalising the later ones, and reports the angles.
 * Its frame F is then not orthonormal, so the inverse used to decode a spot of the view is the
 * minimal-norm preimage z = mean + F(FᵀF)⁻¹y, i.e. the pseudo-inverse of Fᵀ: exact on the 3D
 * span the view shows. Nearly parallel vectors would make it ill-conditioned and the axes
 * indistinguishable, so they are refused.
 */
export function attributeAxesView(
  data: ArrayLike<number>,
  n: number,
  d: number,
  axes: readonly AxisVector[],
): AttributeAxes {
  const m = axes.length;
  if (m < 1 || m > 3) throw new Error(`choose one to three vectors as axes (${m} chosen)`);
  if (m > d) throw new Error(`${m} axes in a ${d}-dimensional latent space`);
  const units = axes.map(({ name, vector }) => {
    if (vector.length !== d)
      throw new Error(`vector "${name}" has ${vector.length} components; the codes have ${d}`);
    let s = 0;
    for (let i = 0; i < d; i++) s += vector[i] * vector[i];
    const length = Math.sqrt(s);
    if (!(length > 0) || !Number.isFinite(length))
      throw new Error(`vector "${name}" has no direction (its length is ${length})`);
    return Float64Array.from({ length: d }, (_, i) => vector[i] / length);
  });
  const angles: [number, number, number][] = [];
  for (let i = 0; i < m; i++)
    for (let j = i + 1; j < m; j++) {
      let c = 0;
      for (let k = 0; k < d; k++) c += units[i][k] * units[j][k];
      const angle = (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
      if (Math.min(angle, 180 - angle) < MIN_AXIS_ANGLE_DEG)
        throw new Error(
          `"${axes[i].name}" and "${axes[j].name}" are ${angle.toFixed(1)}° apart: as axes they would show the same thing; choose another`,
        );
      angles.push([i, j, angle]);
    }

  // An orthonormal basis Q of the vectors' span (Gram–Schmidt), for the residual.
  const q: Float64Array[] = [];
  for (const u of units) {
    const w = Float64Array.from(u);
    for (const b of q) {
      let s = 0;
      for (let k = 0; k < d; k++) s += w[k] * b[k];
      for (let k = 0; k < d; k++) w[k] -= s * b[k];
    }
    let s = 0;
    for (let k = 0; k < d; k++) s += w[k] * w[k];
    const len = Math.sqrt(s);
    if (len < 1e-9) throw new Error('the chosen vectors are linearly dependent: choose another');
    q.push(w.map((v) => v / len));
  }

  const mean = pca(data, n, d, { k: 1 }).mean;
  const frame = new Float64Array(d * 3);
  units.forEach((u, j) => {
    for (let i = 0; i < d; i++) frame[i * 3 + j] = u[i];
  });
  let residualExplained: number | null = null;
  if (m < 3) {
    // The residual r = (I − QQᵀ)(z − mean) of every row, and its top principal directions.
    const residual = new Float32Array(n * d);
    const centred = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) centred[i] = data[r * d + i] - mean[i];
      for (const b of q) {
        let s = 0;
        for (let i = 0; i < d; i++) s += centred[i] * b[i];
        for (let i = 0; i < d; i++) centred[i] -= s * b[i];
      }
      for (let i = 0; i < d; i++) residual[r * d + i] = centred[i];
    }
    const rest = pca(residual, n, d, { k: 3 - m });
    let shown = 0;
    for (let j = 0; j < 3 - m; j++) shown += rest.explained[j] ?? 0;
    residualExplained = Number.isFinite(shown) ? shown : 0;
    for (let j = 0; j < 3 - m; j++) {
      // PCA completes a short basis with zero-variance directions that may not be orthogonal
      // to the vectors: project them out (a column that vanishes stays zero, shown flat).
      const p = Float64Array.from({ length: d }, (_, i) => rest.basis[i * (3 - m) + j]);
      for (const b of q) {
        let s = 0;
        for (let i = 0; i < d; i++) s += p[i] * b[i];
        for (let i = 0; i < d; i++) p[i] -= s * b[i];
      }
      let s = 0;
      for (let i = 0; i < d; i++) s += p[i] * p[i];
      const len = Math.sqrt(s);
      if (len > 1e-9) for (let i = 0; i < d; i++) frame[i * 3 + m + j] = p[i] / len;
    }
  }
  const view = linearView(d, frame, mean);
  // z = mean + pinv(Fᵀ)·y: the frame's transpose is 3 × d, its pseudo-inverse d × 3.
  view.inverse = pseudoInverse(transpose(frame, d, 3), 3, d);
  return { view, angles, residualExplained };
}
