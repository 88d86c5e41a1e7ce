import type { BackendReport } from '../backend';
import type { StepEvent } from './train';

/**
 * What a training run will cost, estimated from its first steps: the median time of the steps seen
 * so far (after the warm-up steps, which compile kernels and allocate) times the steps left, plus
 * the per-epoch evaluation time once one epoch has been measured (until then, a guess from the
 * test set's share of the data). Pure bookkeeping: the caller feeds it times.
 */
export interface EtaOptions {
  /** Steps per epoch and epochs still to run (counting the current one). */
  stepsPerEpoch: number;
  epochs: number;
  /** Steps already done in the current epoch (a resumed run starts at 0 of a new epoch). */
  stepsDone?: number;
  /** Steps ignored at the start (kernel compilation, first allocations). Default 1. */
  warmupSteps?: number;
  /** Steps measured before an estimate is given. Default 5. */
  minSteps?: number;
  /** Test items evaluated per epoch against training items per epoch, for the first guess. */
  evaluationShare?: number;
}

export interface Estimate {
  /** Median seconds per training step. */
  secondsPerStep: number;
  /** Seconds from now to the end of the last epoch. */
  remainingSeconds: number;
  /** Seconds of the whole run (steps done so far included). */
  totalSeconds: number;
  /** True once an epoch's evaluation time was measured rather than guessed. */
  evaluationMeasured: boolean;
}

export class TrainingEta {
  private readonly stepTimes: number[] = [];
  private seen = 0;
  private done: number;
  private evaluationSeconds?: number;
  private readonly options: Required<EtaOptions>;

  constructor(options: EtaOptions) {
    this.options = {
      stepsDone: 0,
      warmupSteps: 1,
      minSteps: 5,
      evaluationShare: 0,
      ...options,
    };
    this.done = this.options.stepsDone;
  }

  /** Records one training step that took `seconds`. */
  step(seconds: number): void {
    this.seen++;
    this.done++;
    if (this.seen > this.options.warmupSteps && Number.isFinite(seconds) && seconds >= 0) {
      this.stepTimes.push(seconds);
    }
  }

  /** Records the time an epoch spent outside its steps (test evaluation, checkpoint). */
  evaluation(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.evaluationSeconds = seconds;
  }

  get ready(): boolean {
    return this.stepTimes.length >= this.options.minSteps;
  }

  estimate(): Estimate | null {
    if (!this.ready) return null;
    const { stepsPerEpoch, epochs, evaluationShare } = this.options;
    const secondsPerStep = median(this.stepTimes);
    const totalSteps = stepsPerEpoch * epochs;
    const left = Math.max(0, totalSteps - this.done);
    // Evaluation runs once per epoch, forward only (about a third of a training step per item).
    const evaluation =
      this.evaluationSeconds ?? (evaluationShare * stepsPerEpoch * secondsPerStep) / 3;
    const epochsLeft = Math.ceil(left / stepsPerEpoch - 1e-9);
    const remainingSeconds = left * secondsPerStep + epochsLeft * evaluation;
    const elapsed = this.done * secondsPerStep;
    return {
      secondsPerStep,
      remainingSeconds,
      totalSeconds: elapsed + remainingSeconds + (epochs - epochsLeft) * evaluation,
      evaluationMeasured: this.evaluationSeconds !== undefined,
    };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "45 s", "8 min 50 s", "2 h 05 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** One line for the CLI and the training panel, e.g. "estimated 8 min 50 s for 30 epochs …". */
export function etaLine(estimate: Estimate, epochs: number, samplesPerStep: number): string {
  const rate = samplesPerStep / estimate.secondsPerStep;
  return (
    `estimated ${formatDuration(estimate.remainingSeconds)} left ` +
    `(${formatDuration(estimate.totalSeconds)} for ${epochs} epoch${epochs === 1 ? '' : 's'}` +
    ` at ${Math.round(rate)} samples/s, from the first steps)`
  );
}

/**
 * Which backend would run this training faster, if it could be installed, in one line; null when
 * the fastest one already runs. From the backend report's attempts (backend.ts).
 */
export function fasterBackendAdvice(
  report: Pick<BackendReport, 'chosen' | 'backend'> & {
    attempts: readonly { name: string; reason: string }[];
  },
  net: 'mlp' | 'conv',
): string | null {
  if (report.chosen === 'tensorflow-gpu') return null;
  const attempt = (name: string) => report.attempts.find((a) => a.name === name);
  const gpu = attempt('tensorflow-gpu');
  const native = attempt('tensorflow');
  const lines: string[] = [];
  if (report.chosen !== 'tensorflow') {
    const why = native?.reason ? ` (here: ${native.reason})` : '';
    lines.push(
      `@tensorflow/tfjs-node would train faster: native libtensorflow runs every op on all CPU cores, ${report.backend === 'wasm' ? 'where wasm shares only its large matrix products' : `instead of ${report.backend} on one`}; it installs with \`npm install @tensorflow/tfjs-node\` on a machine with internet${why}`,
    );
  }
  const noCuda = gpu?.reason.includes('no CUDA GPU');
  const gpuText =
    net === 'conv'
      ? 'a GPU host would be faster still for conv nets'
      : 'a GPU host would be faster for large nets';
  lines.push(
    `${gpuText}: @tensorflow/tfjs-node-gpu with CUDA 11.2 and cuDNN 8.1${noCuda ? ' (installed here, but no CUDA GPU is usable)' : ''}`,
  );
  return lines.join('; ');
}

/** The step events `trackEta` listens to (a Trainer has them). */
interface StepSource {
  on(event: 'step', listener: (e: StepEvent) => void): unknown;
  off(event: 'step', listener: (e: StepEvent) => void): unknown;
}

/**
 * Feeds a TrainingEta from a trainer's step events: a step's time is the gap since the step
 * before it in the same epoch; the gap across an epoch boundary, less a step, is that epoch's
 * evaluation and checkpoint. `totalEpochs` counts the run's epochs, done ones included.
 */
export function trackEta(
  trainer: StepSource,
  totalEpochs: number,
  now: () => number = () => performance.now(),
): { estimate(): Estimate | null; stop(): void } {
  let eta: TrainingEta | null = null;
  let last: { at: number; epoch: number } | null = null;
  const onStep = (e: StepEvent) => {
    const at = now();
    eta ??= new TrainingEta({
      stepsPerEpoch: e.stepsPerEpoch,
      epochs: Math.max(1, totalEpochs - e.epoch),
      stepsDone: e.stepInEpoch - 1,
    });
    if (last) {
      const gap = (at - last.at) / 1000;
      if (last.epoch === e.epoch) eta.step(gap);
      else {
        const perStep = eta.estimate()?.secondsPerStep ?? 0;
        eta.evaluation(Math.max(0, gap - perStep));
        eta.step(perStep > 0 ? perStep : gap);
      }
    } else eta.step(NaN); // the first step seen has no start time: it counts, untimed
    last = { at, epoch: e.epoch };
  };
  trainer.on('step', onStep);
  return {
    estimate: () => eta?.estimate() ?? null,
    stop: () => void trainer.off('step', onStep),
  };
}
