import { tf } from '../tf';
import type { FlowConfig } from '../../shared/config';
import type { FlowDescriptor } from '../../shared/parts';
import { mixSeed, mulberry32, normal } from '../../shared/random';
import { freshName } from '../fresh-name';
import type { PosteriorFlow } from './flow';

/**
 * Inverse autoregressive flow (Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling, NeurIPS
 * 2016, §4 and Algorithm 1): each step computes [m, s] = MADE(z, h) with an autoregressive net,
 * σ = sigmoid(s), and z ← σ ⊙ z + (1 − σ) ⊙ m (their eq. 14, the numerically stable form). As m_i
 * and s_i depend on z_{<i} only (in the step's order), ∂z/∂z is triangular with diagonal σ, so
 * log |det| = Σ_i log σ_i (their eq. 15). h is a context the encoder outputs for every item (d
 * values after the geometry's head); consecutive steps reverse the order of the dimensions, so
 * each dimension is conditioned on the others from both sides.
 *
 * MADE (Germain et al. 2015): one hidden layer of width 4d with masks: input i has degree
 * π(i) ∈ 1…d, hidden unit k degree m_k ∈ 1…d−1 (cycled), the input-to-hidden weight is kept where
 * m_k ≥ π(i) and the hidden-to-output weight where π(j) > m_k. The weights are shared by all
 * items (trained, checkpointed); s starts near +2 (a forget-gate bias, as the paper's
 * initialisation) so each step starts close to the identity.
 */
export class InverseAutoregressiveFlow implements PosteriorFlow {
  readonly headSize: number;
  readonly variables: tf.Variable[] = [];
  private readonly steps: {
    inHidden: tf.Variable;
    context: tf.Variable;
    hiddenBias: tf.Variable;
    toMean: tf.Variable;
    meanBias: tf.Variable;
    toScale: tf.Variable;
    scaleBias: tf.Variable;
  }[] = [];
  /** Masks in the natural order (the reversed steps permute z around them). */
  private readonly maskIn: tf.Tensor2D;
  private readonly maskOut: tf.Tensor2D;

  constructor(
    readonly config: FlowConfig,
    private readonly d: number,
    seed = 0,
  ) {
    this.headSize = d;
    const hidden = 4 * d;
    const masks = madeMasks(d, hidden);
    this.maskIn = tf.tensor2d(masks.input, [d, hidden]);
    this.maskOut = tf.tensor2d(masks.output, [hidden, d]);
    const rng = mulberry32(mixSeed(seed, 0x1af));
    const init = (rows: number, cols: number) =>
      tf.tensor2d(
        Float32Array.from({ length: rows * cols }, () => normal(rng) * Math.sqrt(1 / rows)),
        [rows, cols],
      );
    for (let k = 0; k < config.length; k++) {
      const v = (value: tf.Tensor, name: string) => {
        const variable = tf.variable(value, true, freshName(`iaf/${k}/${name}`));
        this.variables.push(variable);
        return variable;
      };
      this.steps.push({
        inHidden: v(init(d, hidden), 'in_hidden'),
        context: v(init(d, hidden), 'context'),
        hiddenBias: v(tf.zeros([hidden]), 'hidden_bias'),
        toMean: v(tf.mul(init(hidden, d), 0.1), 'to_mean'),
        meanBias: v(tf.zeros([d]), 'mean_bias'),
        toScale: v(tf.mul(init(hidden, d), 0.1), 'to_scale'),
        scaleBias: v(tf.fill([d], 2), 'scale_bias'),
      });
    }
  }

  /** [m, s] of one step at z (in the step's order), with context h. */
  private made(step: number, z: tf.Tensor2D, h: tf.Tensor2D): { m: tf.Tensor2D; s: tf.Tensor2D } {
    const p = this.steps[step];
    const hidden = tf.relu(
      tf.add(
        tf.add(tf.matMul(z, tf.mul(p.inHidden, this.maskIn)), tf.matMul(h, p.context)),
        p.hiddenBias,
      ),
    ) as tf.Tensor2D;
    const m = tf.add(tf.matMul(hidden, tf.mul(p.toMean, this.maskOut)), p.meanBias);
    const s = tf.add(tf.matMul(hidden, tf.mul(p.toScale, this.maskOut)), p.scaleBias);
    return { m: m as tf.Tensor2D, s: s as tf.Tensor2D };
  }

  forward(z0: tf.Tensor2D, params: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
    return tf.tidy(() => {
      let z = z0;
      let logDet = tf.zeros([z0.shape[0]]) as tf.Tensor1D;
      for (let k = 0; k < this.steps.length; k++) {
        // Odd steps run in the reversed order: reverse, step, reverse back (|det| of a
        // permutation is 1).
        const flip = k % 2 === 1;
        const x = flip ? (tf.reverse(z, 1) as tf.Tensor2D) : z;
        const { m, s } = this.made(k, x, params);
        const sigma = tf.sigmoid(s);
        const y = tf.add(tf.mul(sigma, x), tf.mul(tf.sub(1, sigma), m)) as tf.Tensor2D;
        z = flip ? (tf.reverse(y, 1) as tf.Tensor2D) : y;
        // log σ = −softplus(−s), stable for any s.
        logDet = tf.add(logDet, tf.neg(tf.sum(tf.softplus(tf.neg(s)), 1))) as tf.Tensor1D;
      }
      return { z, logDet };
    });
  }

  dispose(): void {
    tf.dispose([...this.variables, this.maskIn, this.maskOut]);
  }
}

/**
 * MADE's masks for d inputs in the natural order and `hidden` units: input-to-hidden [d, hidden]
 * (1 where the hidden unit's degree ≥ the input's) and hidden-to-output [hidden, d] (1 where the
 * output's degree > the hidden unit's), so output j sees inputs i < j only.
 */
export function madeMasks(
  d: number,
  hidden: number,
): { input: Float32Array; output: Float32Array } {
  const input = new Float32Array(d * hidden);
  const output = new Float32Array(hidden * d);
  if (d < 2) return { input, output }; // One dimension: m and s come from the context alone.
  for (let k = 0; k < hidden; k++) {
    const degree = (k % (d - 1)) + 1;
    for (let i = 0; i < d; i++) input[i * hidden + k] = degree >= i + 1 ? 1 : 0;
    for (let j = 0; j < d; j++) output[k * d + j] = j + 1 > degree ? 1 : 0;
  }
  return { input, output };
}

export const iafDescriptor: FlowDescriptor = {
  kind: 'iaf',
  label: 'Inverse autoregressive',
  description:
    'inverse autoregressive flow: MADE steps z ← σ ⊙ z + (1 − σ) ⊙ m conditioned on an encoder context (Kingma et al. 2016)',
};
