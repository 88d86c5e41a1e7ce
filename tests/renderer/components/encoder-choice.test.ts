import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

afterEach(disposeFakeApps);

describe('the training form’s encoder choice', () => {
  it('a deterministic encoder refuses KL with the reason and starts with an aggregate objective', async () => {
    const { engine, app } = await startFakeApp();
    render(App, { props: { app } });
    await settle();
    const start = () => screen.getByTestId('train-start') as HTMLButtonElement;
    expect(start().disabled).toBe(false);
    await fireEvent.change(screen.getByLabelText('Encoder'), {
      target: { value: 'deterministic' },
    });
    await settle();
    // KL (the default) needs q(z|x): the form says why and will not start.
    const kl = screen.getByRole('option', { name: 'KL (ELBO)' }) as HTMLOptionElement;
    expect(kl.disabled).toBe(true);
    expect(kl.title).toMatch(/no density q\(z\|x\)/);
    expect(screen.getByRole('alert').textContent).toMatch(
      /--objective kl \(KL\(q ‖ p\)\) is undefined/,
    );
    expect(start().disabled).toBe(true);
    await fireEvent.change(screen.getByLabelText('Objective'), { target: { value: 'mmd' } });
    await settle();
    expect(start().disabled).toBe(false);
    await fireEvent.click(start());
    await settle();
    const call = engine.calls.find((c) => c.method === 'startTraining');
    const params = call!.params as { model: { encoder: string; objective: { kind: string } } };
    expect(params.model.encoder).toBe('deterministic');
    expect(params.model.objective.kind).toBe('mmd');
  });

  it('a posterior flow goes into the model config; with a deterministic encoder it is refused', async () => {
    const { engine, app } = await startFakeApp();
    render(App, { props: { app } });
    await settle();
    const start = () => screen.getByTestId('train-start') as HTMLButtonElement;
    await fireEvent.change(screen.getByLabelText('Posterior flow'), { target: { value: 'iaf' } });
    await settle();
    await fireEvent.input(screen.getByLabelText('Flow steps'), { target: { value: '3' } });
    await fireEvent.change(screen.getByLabelText('Encoder'), {
      target: { value: 'deterministic' },
    });
    await fireEvent.change(screen.getByLabelText('Objective'), { target: { value: 'mmd' } });
    await settle();
    expect(screen.getByRole('alert').textContent).toMatch(/--flow iaf: a deterministic encoder/);
    expect(start().disabled).toBe(true);
    await fireEvent.change(screen.getByLabelText('Encoder'), { target: { value: 'stochastic' } });
    await fireEvent.change(screen.getByLabelText('Objective'), { target: { value: 'kl' } });
    await settle();
    await fireEvent.click(start());
    await settle();
    const call = engine.calls.find((c) => c.method === 'startTraining');
    const params = call!.params as { model: { flow: unknown } };
    expect(params.model.flow).toEqual({ kind: 'iaf', length: 3 });
  });
});
