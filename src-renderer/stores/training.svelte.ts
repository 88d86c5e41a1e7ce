import type { EventPayload, JobInfo } from '../api/connect';
import { errorMessage } from '../api/connect';
import type { TrainingContext } from './context';

export interface LossPoint {
  step: number;
  epoch: number;
  loss: number;
}

export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  reconstruction: number;
  /** Null for a deterministic encoder: no q(z|x), so no KL or ELBO. */
  kl: number | null;
  testElbo: number | null;
  testReconstruction: number;
  seconds: number;
}

export interface TrainingForm {
  name: string;
  datasetSpec: string;
  datasetOptions: { size?: number; channels?: 1 | 3; limit?: number };
  inputShape: number[];
  /** A registered geometry's kind, and its settings by key (as its descriptor names them). */
  geometry: string;
  geometryParams: Record<string, number>;
  objective: string;
  objectiveParams: Record<string, number>;
  /** `deterministic`: one code per item, no q(z|x) (aggregate objectives only, no ELBO). */
  encoder?: 'stochastic' | 'deterministic';
  /** A posterior flow (a registered kind, K steps), or none. */
  flow?: { kind: string; length: number };
  weight: number;
  /** Latent dimension (ambient for spherical geometries), at least the geometry's minDim. */
  dim: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  net: 'mlp' | 'conv';
  hidden: number;
}

const STEP_CAP = 20_000;

/**
 * Training jobs and their live figures. Loss points arrive several times a second: they are
 * appended to plain arrays and `revision` is bumped, so charts redraw without deep proxies.
 */
export class TrainingStore {
  jobs = $state.raw<JobInfo[]>([]);
  activeJobId = $state<string | null>(null);
  revision = $state(0);
  samplesPerSecond = $state<number | null>(null);
  secondsPerEpoch = $state<number | null>(null);
  /** The engine's estimate of the active run's time left (from its first steps), if any. */
  etaSeconds = $state<number | null>(null);
  /** How far the active job is into its current epoch, 0..1. */
  epochFraction = $state(0);
  lastError = $state<string | null>(null);
  starting = $state(false);
  /** The viewer follows the active job's point cloud as it trains. */
  follow = $state(true);
  steps: LossPoint[] = [];
  epochs: EpochPoint[] = [];

  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly app: TrainingContext) {
    const api = app.api;
    this.unsubscribe.push(
      api.on('trainingStep', (e) => this.onStep(e)),
      api.on('trainingEpoch', (e) => this.onEpoch(e)),
      api.on('trainingLatents', (e) => this.onLatents(e)),
      api.on('jobChanged', (e) => this.onJob(e.job)),
      api.on('trainingError', (e) => {
        if (e.jobId === this.activeJobId) this.lastError = e.message;
        this.app.notices.push(`Training failed: ${e.message}`, 'error');
      }),
    );
  }

  get active(): JobInfo | null {
    return this.jobs.find((j) => j.jobId === this.activeJobId) ?? null;
  }

  /** Seconds left for the active job, from the last epoch's duration. */
  get eta(): number | null {
    const job = this.active;
    if (!job) return null;
    if (job.state !== 'running' && job.state !== 'starting') return null;
    if (this.etaSeconds !== null) return this.etaSeconds;
    if (this.secondsPerEpoch === null) return null;
    return Math.max(0, job.epochs - job.epoch) * this.secondsPerEpoch;
  }

  async refresh(): Promise<void> {
    try {
      const { jobs } = await this.app.api.listJobs({});
      this.jobs = jobs;
      if (!this.activeJobId) {
        const running = jobs.find(
          (j) => j.state === 'running' || j.state === 'starting' || j.state === 'paused',
        );
        if (running) this.activeJobId = running.jobId;
      }
    } catch (error) {
      this.app.notices.push(`Could not list jobs: ${errorMessage(error)}`, 'error');
    }
  }

  async start(form: TrainingForm): Promise<JobInfo | null> {
    this.starting = true;
    this.lastError = null;
    try {
      const { job } = await this.app.api.startTraining({
        name: form.name.trim() || undefined,
        dataset: { spec: form.datasetSpec, options: clean(form.datasetOptions) },
        model: {
          inputShape: form.inputShape,
          latent: { kind: form.geometry, dim: form.dim, ...form.geometryParams },
          objective: { kind: form.objective, weight: form.weight, ...form.objectiveParams },
          net: { kind: form.net, hidden: [form.hidden] },
          likelihood: form.inputShape.length === 3 ? 'bernoulli' : 'gaussian',
          encoder: form.encoder ?? 'stochastic',
          ...(form.flow ? { flow: form.flow } : {}),
        },
        train: { epochs: form.epochs, learningRate: form.learningRate, batchSize: form.batchSize },
      });
      this.begin(job);
      return job;
    } catch (error) {
      this.lastError = errorMessage(error);
      this.app.notices.push(`Could not start training: ${this.lastError}`, 'error');
      return null;
    } finally {
      this.starting = false;
    }
  }

  /** Trains a library model further. */
  async continueModel(modelId: string, epochs: number): Promise<void> {
    try {
      const { job } = await this.app.api.continueTraining({ modelId, epochs });
      this.begin(job);
    } catch (error) {
      this.app.notices.push(`Could not continue training: ${errorMessage(error)}`, 'error');
    }
  }

  private begin(job: JobInfo): void {
    this.activeJobId = job.jobId;
    this.steps = [];
    this.epochs = [];
    this.samplesPerSecond = null;
    this.secondsPerEpoch = null;
    this.etaSeconds = null;
    this.epochFraction = 0;
    this.onJob(job);
    this.revision++;
  }

  async pause(): Promise<void> {
    await this.control('pauseTraining');
  }

  async resume(): Promise<void> {
    await this.control('resumeTraining');
  }

  async cancel(): Promise<void> {
    await this.control('cancelTraining');
  }

  private async control(
    method: 'pauseTraining' | 'resumeTraining' | 'cancelTraining',
  ): Promise<void> {
    const jobId = this.activeJobId;
    if (!jobId) return;
    try {
      const { job } = await this.app.api[method]({ jobId });
      this.onJob(job);
    } catch (error) {
      this.app.notices.push(errorMessage(error), 'error');
    }
  }

  private onStep(e: EventPayload<'trainingStep'>): void {
    if (e.jobId !== this.activeJobId) return;
    this.steps.push({ step: e.step, epoch: e.epoch, loss: e.loss });
    if (e.etaSeconds !== undefined) this.etaSeconds = e.etaSeconds;
    if (e.stepInEpoch !== undefined && e.stepsPerEpoch)
      this.epochFraction = Math.min(1, e.stepInEpoch / e.stepsPerEpoch);
    if (this.steps.length > STEP_CAP) this.steps = this.steps.filter((_, i) => i % 2 === 0);
    this.revision++;
  }

  private onEpoch(e: EventPayload<'trainingEpoch'>): void {
    if (e.jobId !== this.activeJobId) return;
    this.epochFraction = 0;
    this.epochs.push({
      epoch: e.epoch,
      trainLoss: e.train.loss,
      reconstruction: e.train.reconstruction,
      kl: e.train.kl,
      testElbo: e.test.elbo,
      testReconstruction: e.test.reconstruction,
      seconds: e.seconds,
    });
    this.samplesPerSecond = e.samplesPerSecond;
    this.secondsPerEpoch = e.seconds;
    this.jobs = this.jobs.map((j) =>
      j.jobId === e.jobId ? { ...j, epoch: e.epoch, epochs: e.epochs } : j,
    );
    this.revision++;
  }

  private onLatents(e: EventPayload<'trainingLatents'>): void {
    if (e.jobId !== this.activeJobId || !this.follow) return;
    void this.app.showTrainingLatents(e);
  }

  private onJob(job: JobInfo): void {
    const known = this.jobs.some((j) => j.jobId === job.jobId);
    this.jobs = known
      ? this.jobs.map((j) => (j.jobId === job.jobId ? job : j))
      : [...this.jobs, job];
    if (job.jobId === this.activeJobId && job.state === 'failed' && job.error)
      this.lastError = job.error;
    // A finished job changes the library (its model is no longer marked as training).
    const done = job.state === 'completed' || job.state === 'cancelled' || job.state === 'failed';
    if (done && known) void this.app.library.refresh();
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
  }
}

function clean<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ) as Partial<T>;
}
