/**
 * Notices training that has blown up without producing NaN: at a learning rate far too high the
 * loss jumps from ~500 to 1e11 in one step on MNIST (or climbs to 1e12) while every number stays
 * finite, and the run used to be reported as completed.
 *
 * The rule is robust because early losses are large and noisy:
 * - the baseline is the lowest running median of the recent losses (a window of WINDOW steps):
 *   normal training only lowers it, and exploded steps never enter the window, so a blow-up
 *   cannot raise the bar it is judged by;
 * - warm-up: the first WARMUP steps only build the baseline (they are the largest losses of a
 *   normal run, and they are never judged);
 * - a step has exploded when its loss exceeds the baseline by more than FACTOR × max(|baseline|, D)
 *   nats — three orders of magnitude — D being the item's dimension, the scale of a loss in nats,
 *   which keeps the margin wide when the median is near zero or negative (Gaussian likelihoods);
 * - it takes PERSIST exploded steps in a row to stop, so one outlier batch never does;
 * - independently, a test ELBO below −ELBO_FLOOR_PER_DIM × D nats is beyond any model of data in
 *   [0, 1] that has not blown up: an untrained Bernoulli decoder sits near −0.7·D, and a Gaussian
 *   one with σ = 0.1 cannot lose more than 50 nats per dimension without huge outputs.
 */
export const FACTOR = 1000;
/** One step: at lr 10 the second step is already 1e11, so waiting longer would miss it. */
export const WARMUP = 1;
export const PERSIST = 3;
export const WINDOW = 200;
export const ELBO_FLOOR_PER_DIM = 1000;

export class DivergenceWatch {
  private readonly recent: number[] = [];
  private seen = 0;
  private exploded = 0;
  private baseline = Infinity;

  constructor(private readonly dimension: number) {}

  /** Records a finite step loss; returns why training should stop, or null. */
  step(loss: number): string | null {
    this.seen++;
    if (this.seen > WARMUP) {
      const base = this.baseline;
      const limit = base + FACTOR * Math.max(Math.abs(base), this.dimension);
      this.exploded = loss > limit ? this.exploded + 1 : 0;
      if (this.exploded >= PERSIST) {
        return `the loss reached ${loss.toPrecision(3)}, orders of magnitude above its running median ${base.toPrecision(3)}`;
      }
      // Exploded steps stay out of the window, so they cannot drag the median up after them.
      if (this.exploded > 0) return null;
    }
    this.recent.push(loss);
    if (this.recent.length > WINDOW) this.recent.shift();
    this.baseline = Math.min(this.baseline, medianOf(this.recent));
    return null;
  }

  /** Checks an epoch's test ELBO against the floor; returns why training should stop, or null. */
  elbo(value: number): string | null {
    const floor = -ELBO_FLOOR_PER_DIM * this.dimension;
    return value < floor
      ? `the test ELBO fell to ${value.toPrecision(3)} nats, below the floor of ${floor.toPrecision(3)} for ${this.dimension}-dimensional data`
      : null;
  }
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
