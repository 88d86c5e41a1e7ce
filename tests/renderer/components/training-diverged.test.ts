import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import { settle } from '../dom';
import type { FakeEngine } from '../fake-api';
import { disposeFakeApps, startFakeApp } from '../fake-app';

let engine: FakeEngine;
let app: AppState;

beforeEach(async () => {
  ({ engine, app } = await startFakeApp());
});

afterEach(disposeFakeApps);

// Issue 12 item 5: a run stopped for divergence is a failed job whose message says why.
it('shows on the job why training stopped when it diverged', async () => {
  render(App, { props: { app } });
  await settle();
  await fireEvent.click(screen.getByTestId('train-start'));
  await settle();
  const message =
    'training diverged: the loss reached 5.50e+6, orders of magnitude above its running median 544 at step 3 (epoch 1); it stopped before saving, so the last checkpoint is from before. Try a lower learning rate.';
  const job = app.training.jobs.at(-1)!;
  engine.emit('trainingError', {
    jobId: job.jobId,
    modelId: job.modelId,
    message,
    lastEpoch: 0,
    resumable: false,
  });
  engine.emit('jobChanged', { job: { ...job, state: 'failed', error: message } });
  await settle();
  expect(screen.getByTestId('job-state').textContent).toBe('failed');
  const alerts = screen.getAllByRole('alert').map((a) => a.textContent ?? '');
  expect(alerts.some((text) => text.includes('orders of magnitude above its running median'))).toBe(
    true,
  );
});
