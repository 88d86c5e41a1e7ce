/**
 * Runs an async task for the most recent request only: while one is in flight, later requests
 * replace each other and only the last runs when it finishes. Dragging a slider produces dozens
 * of requests a second; the engine sees at most one at a time and the picture always catches up
 * with the slider's final position.
 */
export class LatestOnly<T, R> {
  private running = false;
  private queued: { value: T } | null = null;
  /** Milliseconds from request to result, per completed task (for latency figures). */
  readonly latencies: number[] = [];

  constructor(
    private readonly task: (value: T) => Promise<R>,
    private readonly onResult: (result: R, value: T) => void,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  get busy(): boolean {
    return this.running;
  }

  request(value: T): void {
    this.queued = { value };
    if (!this.running) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queued) {
        const { value } = this.queued;
        this.queued = null;
        const start = this.now();
        try {
          const result = await this.task(value);
          this.latencies.push(this.now() - start);
          if (this.latencies.length > 500) this.latencies.shift();
          this.onResult(result, value);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** The q-quantile (0..1) of a list of numbers (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
