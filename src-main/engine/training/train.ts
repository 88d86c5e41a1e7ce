import { tf } from '../tf';
import { TrainConfig, parseOrThrow, type TrainConfigInput } from '../../shared/config';
import type { DatasetSplit } from '../data/dataset';
import type { Vae } from '../model/model';
import { TypedEmitter } from './events';
import { binarize, evaluate, type Evaluation } from '../evaluation/evaluate';
import { mixSeed, mulberry32, permutation } from '../../shared/random';
import { DivergenceWatch } from './divergence';
import { FusedAdam } from './fused-adam';

/** A named tensor as optimisers read and write their slots. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface StepEvent {
  epoch: number;
  /** Global optimisation step, counted across resumes. */
  step: number;
  /** Steps in this epoch and the index within it, for progress bars. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  loss: number;
}

export interface EpochSummary {
  epoch: number;
  epochs: number;
  step: number;
  /** Batch means over the epoch; `kl` null for a deterministic encoder (no q(z|x)). */
  train: { loss: number; reconstruction: number; kl: number | null; divergence: number };
  /** Test-set figures; ELBO and KL null for a deterministic encoder. */
  test: Evaluation;
  seconds: number;
  samplesPerSecond: number;
  /** On the first epoch of a resumed run: what changed on resuming (checkpoint history). */
  resumed?: ResumeNote;
}

/** How a run was resumed: settings changed from the checkpoint's, and a fresh optimizer. */
export interface ResumeNote {
  at: string;
  fromEpoch: number;
  /** Setting → [before, after], for those the command changed. */
  changed: Record<string, [unknown, unknown]>;
  /** Why Adam's state started afresh, when it did. */
  freshOptimizer?: string;
}

export type TrainStatus = 'completed' | 'cancelled' | 'diverged';

export interface TrainResult {
  status: TrainStatus;
  /** Why training stopped early, in one line. */
  message?: string;
  history: EpochSummary[];
  step: number;
}

export interface TrainerEvents extends Record<string, unknown> {
  step: StepEvent;
  epoch: EpochSummary;
  /** Training stopped on a non-finite or exploding loss, before the epoch's checkpoint. */
  diverged: { step: number; message: string };
}

/** Where a resumed run starts from. */
export interface TrainerState {
  epoch: number;
  step: number;
  history: EpochSummary[];
  /** Adam's slots (iterations, m, v) in `optimizerVariables` order. */
  optimizerWeights?: NamedTensor[];
}

export interface TrainerOptions {
  resume?: TrainerState;
  /** Recorded on the first epoch this run completes (see EpochSummary.resumed). */
  resumeNote?: ResumeNote;
  /** Called after every finite epoch, e.g. to write an atomic checkpoint; awaited. */
  onEpochEnd?: (trainer: Trainer, summary: EpochSummary) => Promise<void> | void;
}

/**
 * Minibatch Adam on the VAE's loss. Emits a `step` event per optimisation step and an `epoch`
 * event with the test-set ELBO after each epoch. A non-finite loss stops training before the
 * update is applied; a finite one that explodes (divergence.ts) stops it before the epoch's
 * checkpoint: either way the last checkpoint stays good.
 */
export class Trainer extends TypedEmitter<TrainerEvents> {
  readonly config: TrainConfig;
  readonly optimizer: FusedAdam;
  epoch: number;
  step: number;
  readonly history: EpochSummary[];
  private cancelled = false;
  /** The resume note went into the history already. */
  private noted = false;
  private pausedUntil?: Promise<void>;
  private release?: () => void;
  /** Adam's setWeights is asynchronous: the first step must wait for it. */
  private restoring?: Promise<void>;

  constructor(
    readonly vae: Vae,
    readonly data: DatasetSplit,
    config: TrainConfigInput,
    private readonly options: TrainerOptions = {},
  ) {
    super();
    this.config = parseOrThrow(TrainConfig, config, 'training settings');
    const { train } = data;
    if (train.count === 0) throw new Error('the training set is empty');
    const itemSize = train.itemShape.reduce((a, b) => a * b, 1);
    if (itemSize !== vae.inputSize) {
      throw new Error(
        `the data items have shape [${train.itemShape.join(', ')}] (${itemSize} values) but the model expects [${vae.config.inputShape.join(', ')}] (${vae.inputSize})`,
      );
    }
    this.optimizer = new FusedAdam(this.config.learningRate);
    this.epoch = options.resume?.epoch ?? 0;
    this.step = options.resume?.step ?? 0;
    this.history = [...(options.resume?.history ?? [])];
    if (options.resume?.optimizerWeights) this.restoreOptimizer(options.resume.optimizerWeights);
  }

  private restoreOptimizer(weights: NamedTensor[]): void {
    const expected = 1 + 2 * this.vae.trainableVariables().length;
    if (weights.length !== expected) {
      throw new Error(
        `optimizer state has ${weights.length} tensors; this model needs ${expected}`,
      );
    }
    // Adam keeps its slots by position in the variable list.
    this.restoring = this.optimizer.setWeights(weights);
  }

  /** Adam's slots in a stable order (iterations, then m and v per variable). */
  async optimizerWeights(): Promise<NamedTensor[]> {
    return this.optimizer.getWeights();
  }

  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  pause(): void {
    if (this.pausedUntil) return;
    this.pausedUntil = new Promise((resolve) => (this.release = resolve));
  }

  resume(): void {
    this.release?.();
    this.pausedUntil = undefined;
    this.release = undefined;
  }

  get paused(): boolean {
    return this.pausedUntil !== undefined;
  }

  /** Trains until `config.epochs` epochs are done in total (counting resumed ones). */
  async run(): Promise<TrainResult> {
    const { batchSize, epochs, seed, dynamicBinarization } = this.config;
    const { train, test } = this.data;
    const vars = this.vae.trainableVariables();
    const size = this.vae.inputSize;
    const stepsPerEpoch = Math.max(1, Math.floor(train.count / batchSize));
    const fullBatch = Math.min(batchSize, train.count);
    const watch = new DivergenceWatch(size);
    const diverged = (why: string) => {
      const message = `training diverged: ${why} at step ${this.step} (epoch ${this.epoch + 1}); it stopped before saving, so the last checkpoint is from before. Try a lower learning rate.`;
      this.emit('diverged', { step: this.step, message });
      return this.finish('diverged', message);
    };
    await this.restoring;

    while (this.epoch < epochs) {
      const started = performance.now();
      let trainSeconds = 0;
      const order = permutation(train.count, mulberry32(mixSeed(seed, this.epoch, 1)));
      const sums = { loss: 0, reconstruction: 0, kl: 0, divergence: 0 };
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (this.pausedUntil) await this.pausedUntil;
        if (this.cancelled) return this.finish('cancelled', 'cancelled by the user');
        const t0 = performance.now();
        const x = train.batch(order.subarray(s * fullBatch, (s + 1) * fullBatch));
        if (dynamicBinarization) binarize(x, mixSeed(seed, this.step, 2));
        const stepSeed = mixSeed(seed, this.step, 3);
        const values = tf.tidy(() => {
          const xt = tf.tensor2d(x, [fullBatch, size]);
          let terms: tf.Scalar[] = [];
          const { value, grads } = tf.variableGrads(() => {
            const t = this.vae.lossTerms(xt, this.step, stepSeed);
            // No KL without q(z|x) (a deterministic encoder): NaN here, null in the summary.
            terms = [t.reconstruction, t.kl ?? tf.scalar(NaN), t.divergence].map((v) => tf.keep(v));
            return t.loss;
          }, vars);
          const loss = value.dataSync()[0];
          if (Number.isFinite(loss))
            this.optimizer.applyGradients(grads as tf.NamedTensorMap as never);
          const out = [loss, ...terms.map((v) => v.dataSync()[0])];
          terms.forEach((v) => v.dispose());
          return out;
        });
        const [loss, reconstruction, kl, divergence] = values;
        if (!Number.isFinite(loss)) return diverged(`the loss became ${loss}`);
        const exploded = watch.step(loss);
        if (exploded) return diverged(exploded);
        sums.loss += loss;
        sums.reconstruction += reconstruction;
        sums.kl += kl;
        sums.divergence += divergence;
        this.step++;
        trainSeconds += (performance.now() - t0) / 1000;
        this.emit('step', {
          epoch: this.epoch,
          step: this.step,
          stepInEpoch: s + 1,
          stepsPerEpoch,
          loss,
        });
        // Let messages in (cancel, pause, decode requests in a host process) between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const testSet = test.count > 0 ? test : train;
      const testEval = await evaluate(this.vae, testSet, {
        seed: mixSeed(seed, 4),
        ...(dynamicBinarization ? { binarizeSeed: mixSeed(seed, 5) } : {}),
      });
      // Without an ELBO (a deterministic encoder) the floor applies to −reconstruction, its bound.
      const [figure, name] =
        testEval.elbo === null
          ? [-testEval.reconstruction, 'the test reconstruction error']
          : [testEval.elbo, 'the test ELBO'];
      const floored = Number.isFinite(figure)
        ? watch.elbo(figure)
        : `${name} became ${testEval.elbo === null ? testEval.reconstruction : figure}`;
      if (floored) return diverged(floored);
      this.vae.refitPrior(train, mixSeed(seed, this.epoch));
      this.epoch++;
      const summary: EpochSummary = {
        epoch: this.epoch,
        epochs,
        step: this.step,
        train: {
          loss: sums.loss / stepsPerEpoch,
          reconstruction: sums.reconstruction / stepsPerEpoch,
          kl: this.vae.encoding === 'point' ? null : sums.kl / stepsPerEpoch,
          divergence: sums.divergence / stepsPerEpoch,
        },
        test: testEval,
        seconds: (performance.now() - started) / 1000,
        samplesPerSecond: (stepsPerEpoch * fullBatch) / Math.max(trainSeconds, 1e-9),
        ...(this.options.resumeNote && !this.noted ? { resumed: this.options.resumeNote } : {}),
      };
      this.noted = true;
      this.history.push(summary);
      await this.options.onEpochEnd?.(this, summary);
      this.emit('epoch', summary);
    }
    return this.finish('completed');
  }

  private finish(status: TrainStatus, message?: string): TrainResult {
    return { status, ...(message ? { message } : {}), history: this.history, step: this.step };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
