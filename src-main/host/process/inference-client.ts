import { AtlasError } from '../../api/errors';
import { FromInference, type InferenceMethod, type ToInference } from '../../api/host-protocol';
import type { BackendReport } from '../../api/records';
import { describeIssues } from '../../api/validate';
import { describeExit, type HostLauncher, type HostProcess } from './launcher';

interface Running {
  process: HostProcess;
  ready: Promise<BackendReport>;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (err: AtlasError) => void }>;
}

export interface InferenceClientOptions {
  libraryDir: string;
  demoDir: string | null;
  /** The process's name in messages and process lists ("inference", "batch"). */
  label: string;
  /** Whether this host tidies and seeds the library (exactly one should). */
  chores: boolean;
  /** A crash or a protocol error, for the window. */
  onError(message: string): void;
  startTimeoutMs?: number;
}

/**
 * The supervisor's handle on one inference host process: starts it on first use, matches replies to
 * requests, and when it dies fails what was in flight and starts a fresh one on the next request.
 */
export class InferenceClient {
  private running: Running | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly launcher: HostLauncher,
    private readonly options: InferenceClientOptions,
  ) {}

  /** The backend the host chose (starting it if needed). */
  async backend(): Promise<BackendReport> {
    return this.start().ready;
  }

  async request(method: InferenceMethod, params: unknown): Promise<unknown> {
    const running = this.start();
    await running.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      running.pending.set(id, { resolve, reject });
      this.send(running, { type: 'request', id, method, params });
    });
  }

  /** A new checkpoint exists: have the host reload it before the next decode asks. */
  refresh(modelId: string): void {
    if (this.running) this.send(this.running, { type: 'refresh', modelId });
  }

  private get name(): string {
    return `${this.options.label} host`;
  }

  /** The host's process id, when one is running (tests kill it). */
  get pid(): number | undefined {
    return this.running?.process.pid;
  }

  close(): void {
    this.closed = true;
    this.running?.process.kill();
    this.running = undefined;
  }

  private send(running: Running, message: ToInference): void {
    running.process.send(message);
  }

  private start(): Running {
    if (this.closed) throw new AtlasError('unavailable', 'the engine is shutting down');
    if (this.running) return this.running;
    const process = this.launcher('inference', this.options.label);
    let settle!: { resolve: (b: BackendReport) => void; reject: (e: AtlasError) => void };
    const ready = new Promise<BackendReport>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => {});
    const running: Running = { process, ready, pending: new Map() };
    this.running = running;
    const timer = setTimeout(() => {
      settle.reject(new AtlasError('unavailable', `the ${this.name} did not start in time`));
      process.kill();
    }, this.options.startTimeoutMs ?? 120_000);

    process.onMessage((raw) => {
      const parsed = FromInference.safeParse(raw);
      if (!parsed.success) {
        this.options.onError(
          `${this.name} sent a malformed message: ${describeIssues(parsed.error)}`,
        );
        return;
      }
      const message = parsed.data;
      if (message.type === 'ready') {
        clearTimeout(timer);
        settle.resolve(message.backend);
      } else if (message.type === 'fatal') {
        clearTimeout(timer);
        settle.reject(new AtlasError('unavailable', message.message));
      } else {
        const waiter = running.pending.get(message.id);
        running.pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.result);
        else waiter?.reject(new AtlasError(message.error.code, message.error.message));
      }
    });
    process.onExit((info) => {
      clearTimeout(timer);
      if (this.running === running) this.running = undefined;
      const error = new AtlasError(
        'host-crashed',
        `the ${this.name} ${describeExit(info)}; it restarts on the next request`,
      );
      settle.reject(error);
      for (const waiter of running.pending.values()) waiter.reject(error);
      running.pending.clear();
      if (!this.closed) this.options.onError(error.message);
    });
    process.send({
      type: 'init',
      libraryDir: this.options.libraryDir,
      demoDir: this.options.demoDir,
      chores: this.options.chores,
    } satisfies ToInference);
    return running;
  }
}
