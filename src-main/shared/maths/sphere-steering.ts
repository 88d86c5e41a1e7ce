/**
 * The unit sphere S^(d−1) ⊂ ℝ^d as a Riemannian manifold, for steering and analogies in the codes
 * of a model whose latents lie on it (vMF, power-spherical). Points are unit vectors; a tangent
 * vector at p is a v with ⟨p, v⟩ = 0, its length the arc length in radians it stands for.
 *
 *   exp_p(v)  = cos‖v‖ · p + sin‖v‖ · v/‖v‖         walks the great circle from p along v
 *   log_p(q)  = θ · u/‖u‖, u = q − ⟨p, q⟩p, θ = ∠(p, q)   the inverse: exp_p(log_p(q)) = q
 *   Γ_p→q(v)  = v − ⟨q, v⟩/(1 + ⟨p, q⟩) · (p + q)   parallel transport along the geodesic p → q
 *
 * The transport is the closed form of the Levi-Civita transport on the sphere: the component of v
 * along the geodesic's direction turns with it, the component orthogonal to the plane of p and q
 * is unchanged; lengths and inner products of tangent vectors are preserved. log and the transport
 * are undefined for antipodal points (every great circle joins them), and throw there.
 *
 * Everything is float64 and allocation-light; inputs are any ArrayLike<number>, outputs fresh
 * Float64Arrays. Browser-safe: the page steers with the same functions as the engine.
 */

/** Closer than this to antipodal (1 + ⟨p, q⟩ below it) there is no unique geodesic. */
export const ANTIPODAL_TOLERANCE = 1e-12;

export function dotOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function normOf(a: ArrayLike<number>): number {
  return Math.sqrt(dotOf(a, a));
}

/** a / ‖a‖; throws for a zero (or non-finite) vector, naming `what`. */
export function normalised(a: ArrayLike<number>, what = 'the vector'): Float64Array {
  const n = normOf(a);
  if (!(n > 0) || !Number.isFinite(n))
    throw new Error(`${what} has no direction (its length is ${n})`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}

/** The tangent part of v at p: v − ⟨p, v⟩p (p a unit vector). */
export function projectToTangent(p: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const c = dotOf(p, v);
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = v[i] - c * p[i];
  return out;
}

/** sin(θ)/θ, by its Taylor series near 0 where the quotient loses digits. */
function sinc(theta: number): number {
  return theta < 1e-4 ? 1 - (theta * theta) / 6 : Math.sin(theta) / theta;
}

/**
 * exp_p(v): the point reached by walking the great circle from p along the tangent v for ‖v‖
 * radians. v is first made tangent (its normal part dropped), and the result renormalised, so it
 * is on the sphere to rounding even after many steps.
 */
export function sphereExp(p: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const t = projectToTangent(p, v);
  const theta = normOf(t);
  const c = Math.cos(theta);
  const s = sinc(theta);
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = c * p[i] + s * t[i];
  return normalised(out, 'exp_p(v)');
}

/**
 * log_p(q): the tangent vector at p pointing along the shortest great circle to q, of length the
 * angle between them (radians). Zero for q = p; throws for q = −p.
 */
export function sphereLog(p: ArrayLike<number>, q: ArrayLike<number>): Float64Array {
  const c = dotOf(p, q);
  const u = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) u[i] = q[i] - c * p[i];
  // A second Gram–Schmidt pass: the first leaves a normal part of order ε·|c| in u.
  const again = dotOf(p, u);
  for (let i = 0; i < p.length; i++) u[i] -= again * p[i];
  const s = normOf(u);
  if (s === 0 || (c < 0 && 1 + c < ANTIPODAL_TOLERANCE)) {
    if (c > 0) return new Float64Array(p.length);
    throw new Error('the two points are antipodal: no unique great circle joins them');
  }
  // atan2 keeps full precision at both small and near-π angles (acos does not).
  const theta = Math.atan2(s, c);
  for (let i = 0; i < u.length; i++) u[i] *= theta / s;
  return u;
}

/** The great-circle distance (radians) between unit vectors p and q. */
export function sphereDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const c = dotOf(p, q);
  const u = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) u[i] = q[i] - c * p[i];
  return Math.atan2(normOf(u), c);
}

/**
 * Γ_p→q(v): the tangent vector v at p carried along the geodesic from p to q without turning.
 * v is made tangent at p first. Throws for antipodal p and q.
 */
export function parallelTransport(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  v: ArrayLike<number>,
): Float64Array {
  const t = projectToTangent(p, v);
  const denominator = 1 + dotOf(p, q);
  if (denominator < ANTIPODAL_TOLERANCE)
    throw new Error('cannot transport between antipodal points: no unique great circle');
  const k = dotOf(q, t) / denominator;
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = t[i] - k * (p[i] + q[i]);
  return out;
}

/**
 * Points along the great circle through z0 in the direction of the tangent v at `base`:
 * z(t) = exp_z0(t · Γ_base→z0(v)) for each t, row-major [ts.length, d]. With base = z0 (or
 * base null, v then taken as given at z0) no transport happens.
 */
export function steerOnSphere(
  z0: ArrayLike<number>,
  v: ArrayLike<number>,
  base: ArrayLike<number> | null,
  ts: readonly number[],
): Float64Array {
  const start = normalised(z0, 'the start point');
  const at = base ? parallelTransport(normalised(base, 'the base point'), start, v) : v;
  const tangent = projectToTangent(start, at);
  const d = start.length;
  const out = new Float64Array(ts.length * d);
  const step = new Float64Array(d);
  ts.forEach((t, k) => {
    for (let i = 0; i < d; i++) step[i] = t * tangent[i];
    out.set(sphereExp(start, step), k * d);
  });
  return out;
}

/**
 * The analogy "a is to b as ? is to c" on the sphere: the tangent log_b(a) carried from b to c
 * and walked from c, s times its length for each amount s: exp_c(s · Γ_b→c(log_b(a))). s = 1 is
 * the analogue of a − b + c, s = 0 is c. Rows [amounts.length, d].
 */
export function sphereAnalogy(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  amounts: readonly number[],
): Float64Array {
  const pa = normalised(a, 'a');
  const pb = normalised(b, 'b');
  const pc = normalised(c, 'c');
  return steerOnSphere(pc, sphereLog(pb, pa), pb, amounts);
}
