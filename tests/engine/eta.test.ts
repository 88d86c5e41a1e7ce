import { describe, expect, it } from 'vitest';
import type { BackendReport } from '../../src-main/engine/backend';
import {
  TrainingEta,
  etaLine,
  fasterBackendAdvice,
  formatDuration,
  trackEta,
} from '../../src-main/engine/training/eta';
import type { StepEvent } from '../../src-main/engine/training/train';

describe('training time estimate', () => {
  it('waits for a few steps after the warm-up, then multiplies the median by the steps left', () => {
    const eta = new TrainingEta({ stepsPerEpoch: 10, epochs: 3, warmupSteps: 1, minSteps: 3 });
    eta.step(5); // warm-up: compiling kernels
    eta.step(0.5);
    eta.step(0.4);
    expect(eta.estimate()).toBeNull();
    eta.step(9); // one slow outlier does not move the median
    const estimate = eta.estimate()!;
    expect(estimate.secondsPerStep).toBeCloseTo(0.5);
    expect(estimate.remainingSeconds).toBeCloseTo(26 * 0.5);
    expect(estimate.totalSeconds).toBeCloseTo(30 * 0.5);
    expect(estimate.evaluationMeasured).toBe(false);
  });

  it('adds the measured evaluation time once per epoch left', () => {
    const eta = new TrainingEta({ stepsPerEpoch: 4, epochs: 2, warmupSteps: 0, minSteps: 1 });
    for (let i = 0; i < 4; i++) eta.step(1);
    eta.evaluation(2);
    const estimate = eta.estimate()!;
    expect(estimate.remainingSeconds).toBeCloseTo(4 + 2);
    expect(estimate.totalSeconds).toBeCloseTo(8 + 4);
    expect(estimate.evaluationMeasured).toBe(true);
  });

  it('guesses the evaluation from the test share until it is measured', () => {
    const eta = new TrainingEta({
      stepsPerEpoch: 9,
      epochs: 1,
      warmupSteps: 0,
      minSteps: 1,
      evaluationShare: 1 / 9,
    });
    eta.step(3);
    // 8 steps left at 3 s, plus a test pass of 1/9 of an epoch (1 step) at a third of the cost.
    expect(eta.estimate()!.remainingSeconds).toBeCloseTo(24 + 1);
  });

  it('formats durations and the line', () => {
    expect(formatDuration(45.4)).toBe('45 s');
    expect(formatDuration(530)).toBe('8 min 50 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
    const eta = new TrainingEta({ stepsPerEpoch: 15, epochs: 30, warmupSteps: 0, minSteps: 1 });
    eta.step(1.2);
    expect(etaLine(eta.estimate()!, 30, 64)).toBe(
      'estimated 8 min 59 s left (9 min 00 s for 30 epochs at 53 samples/s, from the first steps)',
    );
  });
});

describe('faster backend advice', () => {
  const report = (chosen: BackendReport['chosen'], gpuReason: string): BackendReport => ({
    backend: chosen === 'wasm' ? 'wasm' : 'tensorflow',
    chosen,
    attempts: [
      {
        name: 'tensorflow-gpu',
        package: '@tensorflow/tfjs-node-gpu',
        ok: false,
        reason: gpuReason,
      },
      {
        name: 'tensorflow',
        package: '@tensorflow/tfjs-node',
        ok: chosen === 'tensorflow',
        reason:
          chosen === 'tensorflow'
            ? 'native libtensorflow loaded'
            : '@tensorflow/tfjs-node is not installed (optional dependency; needs internet at install time)',
      },
      { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', ok: chosen === 'wasm', reason: '' },
    ],
  });

  it('names tfjs-node and a GPU host on wasm', () => {
    const text = fasterBackendAdvice(report('wasm', 'not installed'), 'conv')!;
    expect(text).toMatch(/tfjs-node would train faster/);
    expect(text).toMatch(/needs internet/);
    expect(text).toMatch(/GPU host would be faster still for conv nets/);
  });

  it('names only the GPU host on native CPU, and nothing on the GPU', () => {
    const text = fasterBackendAdvice(
      report('tensorflow', 'loaded, but no CUDA GPU is usable'),
      'mlp',
    )!;
    expect(text).not.toMatch(/tfjs-node would/);
    expect(text).toMatch(/no CUDA GPU is usable/);
    expect(
      fasterBackendAdvice({ ...report('tensorflow', ''), chosen: 'tensorflow-gpu' }, 'conv'),
    ).toBeNull();
  });
});

describe('an estimate fed by a trainer', () => {
  /** A stand-in trainer whose steps happen at given times (ms). */
  function steps(times: number[], stepsPerEpoch: number, firstEpoch = 0) {
    let listener: ((e: StepEvent) => void) | null = null;
    let clock = 0;
    const trainer = {
      on: (_: 'step', l: (e: StepEvent) => void) => (listener = l),
      off: () => (listener = null),
    };
    const tracked = trackEta(trainer, 3, () => clock);
    times.forEach((t, i) => {
      clock = t;
      const epoch = firstEpoch + Math.floor(i / stepsPerEpoch);
      listener?.({
        epoch,
        step: i + 1,
        stepInEpoch: (i % stepsPerEpoch) + 1,
        stepsPerEpoch,
        loss: 1,
      });
    });
    return tracked;
  }

  it('times steps by the gaps between them and an epoch boundary as its evaluation', () => {
    // 100 ms a step; the epoch boundary (after step 10) takes 100 + 600 ms.
    const times = Array.from({ length: 14 }, (_, i) => i * 100 + (i >= 10 ? 600 : 0));
    const estimate = steps(times, 10).estimate()!;
    expect(estimate.secondsPerStep).toBeCloseTo(0.1, 9);
    expect(estimate.evaluationMeasured).toBe(true);
    // 30 steps in all, 14 done: 16 steps and the evaluations of epochs 2 and 3 left.
    expect(estimate.remainingSeconds).toBeCloseTo(16 * 0.1 + 2 * 0.6, 6);
  });

  it('counts a resumed run from the epoch it resumes at, and stops listening when told', () => {
    const tracked = steps(
      Array.from({ length: 8 }, (_, i) => i * 200),
      10,
      2,
    );
    // Epoch 3 of 3: 10 steps, 8 done.
    expect(tracked.estimate()!.remainingSeconds).toBeCloseTo(2 * 0.2, 6);
    tracked.stop();
  });
});
