import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import App from '../../../src-renderer/App.svelte';
import { registerDatasetSource } from '../../../src-main/engine/data/registry';
import { registerGeometry } from '../../../src-main/engine/latent/registry';
import { registerObjective } from '../../../src-main/engine/objectives/registry';
import { fixtureDataset, fixtureGeometry, fixtureObjective } from '../../parts/fixtures';
import { settle } from '../dom';
import { disposeFakeApps, startFakeApp } from '../fake-app';

// The fake engine lists the registries' own descriptors, as the real one does
// (tests/parts/registered.test.ts): parts registered at run time reach the training form.
const unregister = [
  registerDatasetSource(fixtureDataset),
  registerGeometry(fixtureGeometry),
  registerObjective(fixtureObjective),
];
afterAll(() => unregister.forEach((u) => u()));
afterEach(disposeFakeApps);

describe('parts registered at run time', () => {
  it('are offered by the training form, with their settings and refusals', async () => {
    const { engine, app } = await startFakeApp();
    render(App, { props: { app } });
    await settle();
    await fireEvent.change(screen.getByLabelText('Data set'), {
      target: { value: 'fixture-points' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Fixture cube' }));
    await settle();
    // The geometry's own setting, with its range and default.
    const corners = screen.getByLabelText('Corners') as HTMLInputElement;
    expect([corners.min, corners.max, corners.value]).toEqual(['2', '8', '8']);
    await fireEvent.input(corners, { target: { value: '4' } });
    // The objective it refuses is offered, disabled, with the reason.
    const refused = screen.getByRole('option', { name: 'Fixture divergence' }) as HTMLOptionElement;
    expect(refused.disabled).toBe(true);
    expect(refused.title).toBe('a cube has no divergence');
    await fireEvent.click(screen.getByTestId('train-start'));
    await settle();
    const start = engine.calls.find((c) => c.method === 'startTraining');
    const params = start!.params as {
      model: { inputShape: number[]; latent: { kind: string; dim: number; components: number } };
      dataset: { spec: string };
    };
    expect(params.dataset.spec).toBe('fixture-points');
    expect(params.model.inputShape).toEqual([5]);
    expect(params.model.latent).toMatchObject({ kind: 'fixture-cube', components: 4 });
    expect(params.model.latent.dim).toBeGreaterThanOrEqual(3);
  });
});
