import cliProgress from 'cli-progress';
import { etaLine, formatDuration, trackEta } from '../engine/training/eta';
import type { EpochSummary, StepEvent, Trainer } from '../engine/training/train';
import type { Output } from './output';
import { fixed } from './output';

/**
 * Training progress: a bar with ETA and samples/s on a terminal, JSON lines with `--json`,
 * one line per epoch otherwise.
 */
export function attachProgress(trainer: Trainer, out: Output, totalEpochs: number): () => void {
  const tty = process.stderr.isTTY && !out.json;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format:
            'epoch {epoch}/{epochs} [{bar}] {percentage}% | ETA {eta} | {sps} samples/s | loss {loss}',
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let lastJson = 0;
  let started = false;
  let stepStart = performance.now();
  let stepsSeen = 0;
  const batch = trainer.config.batchSize;
  // The time the run will take, from its first steps (median step time, evaluation per epoch).
  const eta = trackEta(trainer, totalEpochs);
  let told = false;

  const onStep = (e: StepEvent) => {
    stepsSeen++;
    const estimate = eta.estimate();
    if (estimate && !told) {
      told = true;
      // Said once, early, so a long run's cost is known before it is spent.
      if (!bar && !out.json) out.note(etaLine(estimate, totalEpochs, batch));
    }
    const elapsed = (performance.now() - stepStart) / 1000;
    const sps = elapsed > 0 ? Math.round((stepsSeen * batch) / elapsed) : 0;
    if (bar) {
      if (!started) {
        bar.start(e.stepsPerEpoch * totalEpochs, e.epoch * e.stepsPerEpoch, {
          epoch: e.epoch + 1,
          epochs: totalEpochs,
          sps,
          loss: '…',
          eta: '…',
        });
        started = true;
      }
      bar.update(e.epoch * e.stepsPerEpoch + e.stepInEpoch, {
        epoch: e.epoch + 1,
        sps,
        loss: fixed(e.loss),
        eta: estimate ? formatDuration(estimate.remainingSeconds) : '…',
      });
    } else if (out.json && performance.now() - lastJson > 1000) {
      lastJson = performance.now();
      out.event({
        type: 'step',
        epoch: e.epoch + 1,
        step: e.step,
        loss: e.loss,
        samples_per_second: sps,
        eta_seconds: estimate ? Math.round(estimate.remainingSeconds) : null,
      });
    }
  };
  const onEpoch = (e: EpochSummary) => {
    stepStart = performance.now();
    stepsSeen = 0;
    if (out.json) {
      out.event({
        type: 'epoch',
        epoch: e.epoch,
        epochs: e.epochs,
        loss: e.train.loss,
        reconstruction: e.test.reconstruction,
        kl: e.test.kl,
        elbo: e.test.elbo,
        seconds: e.seconds,
        samples_per_second: e.samplesPerSecond,
      });
    } else if (!bar) {
      out.note(
        `epoch ${e.epoch}/${e.epochs}: loss ${fixed(e.train.loss)}, ${
          e.test.elbo === null
            ? `test reconstruction ${fixed(e.test.reconstruction)} (deterministic encoder: no ELBO)`
            : `test ELBO ${fixed(e.test.elbo)} (reconstruction ${fixed(e.test.reconstruction)}, KL ${fixed(e.test.kl)})`
        }, ${Math.round(e.samplesPerSecond)} samples/s, ${fixed(e.seconds, 1)} s`,
      );
    }
  };
  trainer.on('step', onStep);
  trainer.on('epoch', onEpoch);
  return () => {
    bar?.stop();
    eta.stop();
    trainer.off('step', onStep);
    trainer.off('epoch', onEpoch);
  };
}
