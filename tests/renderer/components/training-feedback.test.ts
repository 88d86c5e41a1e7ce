import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

afterEach(disposeFakeApps);

// Issue 11 item 8: an ETA from the first steps, not from the end of the first epoch.
it('shows the engine’s time estimate from the first steps, and progress within the epoch', async () => {
  const { engine, app } = await startFakeApp();
  render(App, { props: { app } });
  await settle();
  await fireEvent.click(screen.getByTestId('train-start'));
  await settle();
  const job = app.training.jobs.at(-1)!;
  engine.emit('jobChanged', { job: { ...job, state: 'running', epoch: 0, epochs: 4 } });
  engine.emit('trainingStep', {
    jobId: job.jobId,
    modelId: job.modelId,
    epoch: 1,
    step: 6,
    loss: 500,
    etaSeconds: 125,
    stepInEpoch: 50,
    stepsPerEpoch: 100,
  });
  await settle();
  const panel = screen.getByTestId('job-state').parentElement!;
  expect(panel.textContent).toContain('ETA 2 min');
  // Half of the first of four epochs: an eighth of the bar.
  const fill = panel.querySelector('.bar > span') as HTMLElement;
  expect(fill.style.width).toBe('12.5%');
});

it('says which backend would train faster where one could be installed', async () => {
  const { app } = await startFakeApp();
  render(App, { props: { app } });
  await settle();
  expect(screen.getByTestId('backend-advice').textContent).toContain(
    '@tensorflow/tfjs-node would train faster',
  );
});
