import { tf } from '../tf';
import { ModelConfig, parseOrThrow, type ModelConfigInput } from '../../shared/config';
import type { LatentGeometry, Posterior } from '../latent/geometry';
import { PointPosterior } from '../latent/point-posterior';
import { FlowPosterior, type PosteriorFlow } from '../flows/flow';
import { createFlow } from '../flows/registry';
import { modelRefusal } from './compatibility';
import { createGeometry } from '../latent/registry';
import type { FittedPrior, Objective } from '../objectives/objective';
import type { Dataset } from '../data/dataset';
import { mulberry32, mixSeed, permutation } from '../../shared/random';
import { createObjective } from '../objectives/registry';
import { negativeLogLikelihood } from './likelihood';
import { forward } from '../nets/forward';
import { randomDistortion } from '../training/augment';
import { mlpDecoder, mlpEncoder } from '../nets/mlp';
import { convDecoder, convEncoder } from '../nets/conv';
import { whole } from '../nets/whole';
import type { LatentModel } from './latent-model';

/** Batch-mean loss terms of one step, all scalars in nats per item. */
export interface LossTerms {
  loss: tf.Scalar;
  reconstruction: tf.Scalar;
  /**
   * KL(q(z|x) ‖ p(z)), batch mean (for the ELBO and reports, whatever the objective); null for a
   * deterministic encoder, which has no q(z|x).
   */
  kl: tf.Scalar | null;
  /** The objective's own divergence estimate (equals `kl` for the KL objective). */
  divergence: tf.Scalar;
}

export interface VaeParts {
  config: ModelConfig;
  encoder: tf.LayersModel | null;
  decoder: tf.LayersModel;
  /** Stock models may end in a sigmoid: then the decoder emits probabilities, not logits. */
  decoderOutput?: 'logits' | 'probabilities';
  /** Seeds the posterior flow's shared weights (a loaded checkpoint then assigns its own). */
  seed?: number;
}

const EPS = 1e-6;

/**
 * A variational autoencoder: encoder and decoder nets (tfjs layers models, saved in the standard
 * format), a latent geometry (prior and posterior family) and an objective.
 */
export class Vae implements LatentModel {
  readonly config: ModelConfig;
  readonly encoder: tf.LayersModel | null;
  readonly decoder: tf.LayersModel;
  readonly geometry: LatentGeometry;
  readonly objective: Objective;
  /** A normalizing flow on q(z|x), or null. */
  readonly flow: PosteriorFlow | null;
  readonly decoderOutput: 'logits' | 'probabilities';
  /** Set after training for objectives whose prior is fitted to the codes (L2/RAE). */
  fittedPrior?: FittedPrior;

  constructor(parts: VaeParts) {
    this.config = parts.config;
    this.encoder = parts.encoder;
    this.decoder = parts.decoder;
    this.decoderOutput = parts.decoderOutput ?? 'logits';
    this.geometry = createGeometry(this.config.latent, this.config);
    this.objective = createObjective(this.config.objective);
    this.flow = this.config.flow
      ? createFlow(this.config.flow, this.config.latent.dim, parts.seed ?? 0)
      : null;
  }

  /** Builds fresh nets from a config; weights are fixed by `seed`. */
  static create(input: ModelConfigInput, seed = 0): Vae {
    const config = parseOrThrow(ModelConfig, input, 'model config');
    const reason = modelRefusal(config);
    if (reason) throw new Error(reason);
    const geometry = createGeometry(config.latent, config);
    const flow = config.flow ? createFlow(config.flow, config.latent.dim) : null;
    // A deterministic encoder outputs the code itself; a stochastic one the geometry's head,
    // then what a flow reads per item.
    const headSize =
      config.encoder === 'deterministic'
        ? config.latent.dim
        : geometry.headSize + (flow?.headSize ?? 0);
    geometry.dispose();
    flow?.dispose();
    const size = config.inputShape.reduce((a, b) => a * b, 1);
    const d = config.latent.dim;
    const [encoder, decoder] =
      config.net.kind === 'mlp'
        ? [
            mlpEncoder(size, headSize, config.net, seed * 1000),
            mlpDecoder(d, size, config.net, seed * 1000 + 1),
          ]
        : [
            convEncoder(config.inputShape, headSize, config.net, seed * 1000),
            convDecoder(d, config.inputShape, config.net, seed * 1000 + 1),
          ];
    return new Vae({ config, encoder, decoder, seed });
  }

  get encoding(): 'posterior' | 'point' | null {
    if (!this.encoder) return null;
    return this.config.encoder === 'deterministic' ? 'point' : 'posterior';
  }

  get pointEstimate(): boolean {
    return this.objective.deterministic || this.config.encoder === 'deterministic';
  }

  /** Width of the encoder's output: the geometry's head, or the code for a deterministic one. */
  get headSize(): number {
    return this.config.encoder === 'deterministic'
      ? this.latentDim
      : this.geometry.headSize + (this.flow?.headSize ?? 0);
  }

  /**
   * q(z|x) for a batch of encoder outputs: the geometry's posterior, pushed through the flow
   * where there is one, or a point mass for a deterministic encoder.
   */
  posterior(head: tf.Tensor2D): Posterior {
    if (this.config.encoder === 'deterministic') return new PointPosterior(this.geometry, head);
    if (!this.flow) return this.geometry.posterior(head);
    const own = this.geometry.headSize;
    const base = this.geometry.posterior(tf.slice(head, [0, 0], [-1, own]) as tf.Tensor2D);
    const params = tf.slice(head, [0, own], [-1, this.flow.headSize]) as tf.Tensor2D;
    return new FlowPosterior(base, this.flow, params, this.geometry);
  }

  /**
   * The encoder's output for x in one pass (no `predict` batching), for evaluation: the head, or
   * for a deterministic encoder the code (on the sphere, normalised).
   */
  encoderOutput(x: tf.Tensor2D): tf.Tensor2D {
    const encoder = this.requireEncoder('encoding');
    return tf.tidy(() => {
      const out = whole(encoder, x);
      return this.encoding === 'point' ? this.posterior(out).mean : out;
    });
  }

  /** Decoder logits for z [n, d] in one pass (`logits` without predict's batching). */
  decoderLogits(z: tf.Tensor2D): tf.Tensor2D {
    if (this.decoderOutput !== 'logits') return tf.tidy(() => this.logits(z));
    return tf.tidy(() => tf.reshape(whole(this.decoder, z), [z.shape[0], -1]) as tf.Tensor2D);
  }

  get latentDim(): number {
    return this.config.latent.dim;
  }

  get inputSize(): number {
    return this.config.inputShape.reduce((a, b) => a * b, 1);
  }

  /** Every variable the optimiser updates: nets, then any learnable prior. */
  trainableVariables(): tf.Variable[] {
    const nets = [this.encoder, this.decoder].flatMap((m) =>
      m ? m.trainableWeights.map((w) => w.read() as tf.Variable) : [],
    );
    return [...nets, ...this.geometry.variables, ...(this.flow?.variables ?? [])];
  }

  private requireEncoder(what: string): tf.LayersModel {
    if (!this.encoder) {
      throw new Error(
        `${what} needs an encoder, and this model has only a decoder (a stock decoder-only checkpoint)`,
      );
    }
    return this.encoder;
  }

  /** Decoder logits for z (probabilities are mapped back to logits for stock sigmoid decoders). */
  logits(z: tf.Tensor2D, training = false): tf.Tensor2D {
    const out = training ? forward(this.decoder, z) : (this.decoder.predict(z) as tf.Tensor);
    const flat = tf.reshape(out, [z.shape[0], -1]) as tf.Tensor2D;
    if (this.decoderOutput === 'logits') return flat;
    const p = tf.clipByValue(flat, EPS, 1 - EPS);
    return tf.log(tf.div(p, tf.sub(1, p))) as tf.Tensor2D;
  }

  /** The loss of one batch x [n, inputSize] in [0, 1]; call inside a gradient scope. */
  lossTerms(x: tf.Tensor2D, step: number, seed: number): LossTerms {
    const encoder = this.requireEncoder('training');
    const head = forward(encoder, x) as tf.Tensor2D;
    const posterior = this.posterior(head);
    const z = this.pointEstimate ? posterior.mean : posterior.sample(seed);
    const recon = negativeLogLikelihood(
      this.config.likelihood,
      this.logits(z, true),
      x,
      this.config.gaussianSigma,
    );
    const reconstruction = tf.mean(recon) as tf.Scalar;
    const penalty = this.objective.penalty({
      geometry: this.geometry,
      posterior,
      z,
      step,
      seed: seed + 1,
    });
    const kl =
      this.encoding === 'point'
        ? null
        : this.config.objective.kind === 'kl'
          ? penalty.divergence
          : (tf.mean(posterior.kl(z)) as tf.Scalar);
    let loss = tf.add(reconstruction, penalty.weighted) as tf.Scalar;
    const extra = this.geometry.regularizer?.(posterior, z);
    if (extra) loss = tf.add(loss, extra) as tf.Scalar;
    const shape = this.config.inputShape;
    if (this.geometry.consistency && this.geometry.invariance && shape.length === 3) {
      const moved = randomDistortion(x, shape as [number, number, number], seed + 2);
      const perturbed = this.posterior(forward(encoder, moved) as tf.Tensor2D);
      loss = tf.add(loss, this.geometry.consistency(posterior, perturbed)) as tf.Scalar;
    }
    return { loss, reconstruction, kl, divergence: penalty.divergence };
  }

  /** Runs `fn` over x in chunks of `batch` rows, concatenating the Float32Array results. */
  private chunked(
    x: Float32Array,
    n: number,
    width: number,
    outWidth: number,
    batch: number,
    fn: (t: tf.Tensor2D) => tf.Tensor,
  ): Float32Array {
    const out = new Float32Array(n * outWidth);
    for (let i = 0; i < n; i += batch) {
      const m = Math.min(batch, n - i);
      const values = tf.tidy(() =>
        fn(tf.tensor2d(x.subarray(i * width, (i + m) * width), [m, width])).dataSync(),
      );
      out.set(values as Float32Array, i * outWidth);
    }
    return out;
  }

  /** The encoder's raw head [n, headSize] for items x (row-major, values in [0, 1]). */
  encodeHead(x: Float32Array, n: number, batch = 1024): Float32Array {
    const encoder = this.requireEncoder('encoding');
    return this.chunked(
      x,
      n,
      this.inputSize,
      this.headSize,
      batch,
      (t) => encoder.predict(t) as tf.Tensor,
    );
  }

  /** Posterior means (the point each item maps to), [n, latentDim]. */
  encode(x: Float32Array, n: number, batch = 1024): Float32Array {
    const encoder = this.requireEncoder('encoding');
    return this.chunked(x, n, this.inputSize, this.latentDim, batch, (t) => {
      const posterior = this.posterior(encoder.predict(t) as tf.Tensor2D);
      return posterior.mean;
    });
  }

  /**
   * Posterior means [n, latentDim] and each item's reconstruction error [n]: −log p(x | z) at
   * z = the posterior mean, in nats (the model's own likelihood), from one encoder and one decoder
   * pass per chunk.
   */
  encodeWithError(
    x: Float32Array,
    n: number,
    batch = 1024,
  ): { means: Float32Array; errors: Float32Array } {
    const encoder = this.requireEncoder('encoding');
    const width = this.inputSize;
    const d = this.latentDim;
    const means = new Float32Array(n * d);
    const errors = new Float32Array(n);
    for (let i = 0; i < n; i += batch) {
      const m = Math.min(batch, n - i);
      const [mu, nll] = tf.tidy(() => {
        const t = tf.tensor2d(x.subarray(i * width, (i + m) * width), [m, width]);
        const mean = this.posterior(encoder.predict(t) as tf.Tensor2D).mean;
        const error = negativeLogLikelihood(
          this.config.likelihood,
          this.logits(mean, false),
          t,
          this.config.gaussianSigma,
        );
        return [mean.dataSync() as Float32Array, error.dataSync() as Float32Array];
      });
      means.set(mu, i * d);
      errors.set(nll, i);
    }
    return { means, errors };
  }

  /** Decoded images (mean of p(x|z), in [0, 1]) for latent vectors z [n, latentDim]. */
  decode(z: Float32Array, n: number, batch = 1024): Float32Array {
    return this.chunked(z, n, this.latentDim, this.inputSize, batch, (t) =>
      tf.sigmoid(this.logits(t, false)),
    );
  }

  /** Draws from the model's own prior (or the prior fitted to its codes). */
  samplePrior(n: number, seed: number): Float32Array {
    if (this.fittedPrior) return this.fittedPrior.sample(n, seed);
    return tf.tidy(() => this.geometry.samplePrior(n, seed).dataSync() as Float32Array);
  }

  /**
   * Fits the prior to the codes of (up to `maxItems` of) `data` when the objective asks for it
   * (RAE: a Gaussian mixture on the codes, Ghosh et al. 2020 §4). A no-op otherwise.
   */
  refitPrior(data: Dataset, seed: number, maxItems = 10_000): void {
    if (!this.objective.fitPrior || data.count === 0) return;
    const n = Math.min(maxItems, data.count);
    const pick = permutation(data.count, mulberry32(mixSeed(seed, 6))).subarray(0, n);
    const codes = this.encode(data.batch(pick), n);
    this.fittedPrior = this.objective.fitPrior(codes, n, this.latentDim, mixSeed(seed, 7));
  }

  dispose(): void {
    this.encoder?.dispose();
    this.decoder.dispose();
    this.geometry.dispose();
    this.flow?.dispose();
  }
}
