/**
 * Attribute vectors, steering and analogies in a latent space (after Liu et al., "Latent Space
 * Cartography", EuroVis 2019): a direction from one group of codes to another ("small → large",
 * "3 → 8"), how well it separates the two groups, and walks along it.
 *
 * Two geometries, chosen by the model's latent (`sphere`: its codes are unit vectors):
 *
 * - Euclidean. The vector is mean(to) − mean(from), based at mean(from). Steering is the line
 *   z(t) = z0 + t·v; the analogy a − b + c, and its amounts c + s·(a − b).
 * - Sphere. Each group's centre is its normalised Euclidean mean m/‖m‖ (the extrinsic mean): it
 *   minimises the summed squared chordal distances to the group, has a closed form, is the maximum
 *   likelihood mean direction of a von Mises–Fisher fit, and is unique whenever the mean is not
 *   zero. The intrinsic (Karcher/Fréchet) mean minimises squared arc lengths instead; it needs
 *   iterations, may have several minima for spread-out groups, and for the concentrated groups an
 *   attribute is found between it differs from the extrinsic mean only at second order in the
 *   spread. The vector is log_from(to), the tangent at the from-centre pointing along the great
 *   circle to the to-centre, its length their angle. Steering walks great circles
 *   (exp_z0(t·Γ_base→z0(v))) and never leaves the sphere; see sphere-steering.ts.
 *
 * The separation score is the area under the ROC curve of the groups' positions along the vector
 * (Mann–Whitney U / (n_from · n_to), ties counted half): 1 when every to-code lies further along
 * than every from-code, 0.5 when the direction does not tell them apart.
 *
 * Float64 throughout; latent rows are any ArrayLike<number> (Float32Array from the engine).
 */
import {
  dotOf,
  normalised,
  normOf,
  projectToTangent,
  sphereLog,
  steerOnSphere,
  sphereAnalogy,
} from './sphere-steering';

/** n latent codes of dimension d, row-major. */
export interface LatentRows {
  data: ArrayLike<number>;
  n: number;
  d: number;
}

export interface AttributeVector {
  /** The direction: mean difference (Euclidean) or the tangent log_from(to) (sphere). */
  vector: Float64Array;
  /** Where the vector starts: the from-group's centre (on the sphere, the point it is tangent at). */
  base: Float64Array;
  /** The to-group's centre: base + vector (Euclidean), exp_base(vector) (sphere). */
  target: Float64Array;
  sphere: boolean;
  /** ‖vector‖: a distance in latent units (Euclidean) or an angle in radians (sphere). */
  length: number;
  /** The AUC of the groups' positions along the vector (to above from). */
  auc: number;
  nFrom: number;
  nTo: number;
  /**
   * Sphere only (null otherwise): each group's mean resultant length ‖mean‖ ∈ [0, 1], near 1 for
   * a tight group, near 0 for one spread around the sphere (whose centre then says little).
   */
  resultant: { from: number; to: number } | null;
}

/**
 * The centre of the rows at `indices`: their mean, normalised onto the sphere when `sphere`.
 * Throws for an empty group, non-finite codes, or (sphere) codes whose mean is the origin.
 */
export function groupCentre(
  rows: LatentRows,
  indices: ArrayLike<number>,
  sphere: boolean,
  what = 'the group',
): Float64Array {
  const { data, n, d } = rows;
  if (indices.length === 0) throw new Error(`${what} is empty`);
  const mean = new Float64Array(d);
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k];
    if (!Number.isInteger(r) || r < 0 || r >= n)
      throw new Error(`${what}: row ${r} is outside the ${n} codes`);
    for (let i = 0; i < d; i++) mean[i] += data[r * d + i];
  }
  for (let i = 0; i < d; i++) {
    mean[i] /= indices.length;
    if (!Number.isFinite(mean[i])) throw new Error(`${what} holds a NaN or infinite code`);
  }
  if (!sphere) return mean;
  // Relative to the codes' own length (1 on the sphere): a mean this short means the group is
  // spread around the sphere with no prevailing direction.
  if (normOf(mean) < 1e-9)
    throw new Error(`${what}'s codes spread evenly over the sphere: it has no mean direction`);
  return normalised(mean);
}

/**
 * The attribute vector from the rows at `from` to the rows at `to`, based at the from-centre,
 * with its separation AUC. Throws for empty groups, equal centres (no direction) and, on the
 * sphere, antipodal centres.
 */
export function attributeVector(
  rows: LatentRows,
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  options: { sphere: boolean; fromName?: string; toName?: string },
): AttributeVector {
  const { sphere } = options;
  const base = groupCentre(rows, from, sphere, options.fromName ?? 'the from-group');
  const target = groupCentre(rows, to, sphere, options.toName ?? 'the to-group');
  let vector: Float64Array;
  if (sphere) vector = sphereLog(base, target);
  else vector = target.map((t, i) => t - base[i]);
  const length = normOf(vector);
  if (!(length > 1e-12))
    throw new Error('the two groups have the same centre: there is no direction between them');
  const scores = positionsAlong(rows, base, vector, sphere);
  const pick = (idx: ArrayLike<number>) => Float64Array.from(idx, (r) => scores[r]);
  return {
    vector,
    base,
    target,
    sphere,
    length,
    auc: separationAuc(pick(from), pick(to)),
    nFrom: from.length,
    nTo: to.length,
    resultant: sphere
      ? { from: meanResultantLength(rows, from), to: meanResultantLength(rows, to) }
      : null,
  };
}

/** ‖mean of the unit-normalised rows at `indices`‖: 1 when they agree, near 0 when spread out. */
export function meanResultantLength(rows: LatentRows, indices: ArrayLike<number>): number {
  const { data, d } = rows;
  const sum = new Float64Array(d);
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k];
    let length = 0;
    for (let i = 0; i < d; i++) length += data[r * d + i] ** 2;
    length = Math.sqrt(length);
    if (length > 0) for (let i = 0; i < d; i++) sum[i] += data[r * d + i] / length;
  }
  return normOf(sum) / indices.length;
}

/**
 * Each row's position along the vector, increasing from the from-group towards the to-group.
 * Euclidean: the projection ⟨z − base, v̂⟩. Sphere: the angle of z, seen in the plane of the great
 * circle through base along v, from base (atan2(⟨z, v̂⟩, ⟨z, base⟩), in (−π, π]): monotone along
 * the whole circle, where the plain projection ⟨z, v̂⟩ = sin θ would fold back beyond 90°.
 */
export function positionsAlong(
  rows: LatentRows,
  base: ArrayLike<number>,
  vector: ArrayLike<number>,
  sphere: boolean,
): Float64Array {
  const { data, n, d } = rows;
  const unit = normalised(sphere ? projectToTangent(base, vector) : vector, 'the direction');
  const offset = dotOf(base, unit);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let along = 0;
    let onBase = 0;
    for (let i = 0; i < d; i++) {
      const z = data[r * d + i];
      along += z * unit[i];
      onBase += z * base[i];
    }
    out[r] = sphere ? Math.atan2(along, onBase) : along - offset;
  }
  return out;
}

/**
 * P(Y > X) + ½·P(Y = X) for X drawn from `lower` and Y from `higher`: the AUC of a classifier
 * calling the larger value `higher`, Mann–Whitney U / (n_lower · n_higher). Ranks all values once
 * (ties get their mean rank), O(n log n). Throws for an empty group or a non-finite value.
 */
export function separationAuc(lower: ArrayLike<number>, higher: ArrayLike<number>): number {
  const n1 = lower.length;
  const n2 = higher.length;
  if (n1 === 0 || n2 === 0) throw new Error('the AUC needs two non-empty groups');
  const values = new Float64Array(n1 + n2);
  for (let i = 0; i < n1; i++) values[i] = lower[i];
  for (let i = 0; i < n2; i++) values[n1 + i] = higher[i];
  if (!values.every(Number.isFinite)) throw new Error('the AUC needs finite values');
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  // Sum of the (1-based, tie-averaged) ranks of the `higher` values.
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const midRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (order[k] >= n1) rankSum += midRank;
    start = end;
  }
  const u = rankSum - (n2 * (n2 + 1)) / 2;
  return u / (n1 * n2);
}

/**
 * Codes along a direction from z0, one row per t, [ts.length, d]. Euclidean: z0 + t·v. Sphere:
 * exp_z0(t·Γ_base→z0(v)), the great circle through z0 (v is carried from `base`, where it was
 * defined, to z0; base null: v is taken at z0, its normal part dropped).
 */
export function steer(
  z0: ArrayLike<number>,
  vector: ArrayLike<number>,
  ts: readonly number[],
  options: { sphere: boolean; base?: ArrayLike<number> | null },
): Float64Array {
  const d = z0.length;
  if (vector.length !== d)
    throw new Error(`the direction has ${vector.length} coordinates, the start point ${d}`);
  if (options.base && options.base.length !== d)
    throw new Error(`the base point has ${options.base.length} coordinates, the start point ${d}`);
  if (options.sphere) return steerOnSphere(z0, vector, options.base ?? null, ts);
  const out = new Float64Array(ts.length * d);
  ts.forEach((t, k) => {
    for (let i = 0; i < d; i++) out[k * d + i] = z0[i] + t * vector[i];
  });
  return out;
}

/**
 * The analogy a − b + c at each amount s: c + s·(a − b) (Euclidean), exp_c(s·Γ_b→c(log_b(a)))
 * (sphere). s = 1 gives a − b + c, s = 0 gives c. Rows [amounts.length, d].
 */
export function analogy(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  amounts: readonly number[],
  options: { sphere: boolean },
): Float64Array {
  const d = a.length;
  if (b.length !== d || c.length !== d)
    throw new Error(`a, b and c have ${d}, ${b.length} and ${c.length} coordinates`);
  if (options.sphere) return sphereAnalogy(a, b, c, amounts);
  const out = new Float64Array(amounts.length * d);
  amounts.forEach((s, k) => {
    for (let i = 0; i < d; i++) out[k * d + i] = c[i] + s * (a[i] - b[i]);
  });
  return out;
}

/** n evenly spaced values from lo to hi inclusive (one value: their midpoint). */
export function evenly(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [(lo + hi) / 2];
  return Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1));
}
