import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import { registerDatasetSource } from '../../../src-main/engine/data/registry';
import { fixture } from '../../data/fixture-source';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

// The fake engine lists the registry's own descriptors, as the real one does
// (tests/data/registered-source.test.ts): a source registered at run time reaches the form.
const unregister = registerDatasetSource(fixture);
afterAll(unregister);
afterEach(disposeFakeApps);

describe('a dataset source registered at run time', () => {
  it('is offered by the training form, which builds the model for its items', async () => {
    const { engine, app } = await startFakeApp();
    render(App, { props: { app } });
    await settle();
    await fireEvent.change(screen.getByLabelText('Data set'), {
      target: { value: 'fixture-points' },
    });
    await settle();
    await fireEvent.click(screen.getByTestId('train-start'));
    await settle();
    const start = engine.calls.find((c) => c.method === 'startTraining');
    const params = start!.params as { model: { inputShape: number[] }; dataset: { spec: string } };
    expect(params.dataset.spec).toBe('fixture-points');
    expect(params.model.inputShape).toEqual([5]);
  });
});
