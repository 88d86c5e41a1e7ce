import { cleanup, render } from '@testing-library/svelte';
import App from '../../src-renderer/App.svelte';
import { AppState } from '../../src-renderer/stores/app.svelte';
import { installCanvasStubs, settle } from './dom';
import { createFakeEngine, type FakeEngine } from './fake-api';

const started: AppState[] = [];

/**
 * An explorer state on a fresh fake engine, started, and rendered when asked: the common set-up of
 * the component tests. `disposeFakeApps` (in afterEach) unmounts and disposes every one.
 */
export async function startFakeApp(
  options: {
    configure?: (engine: FakeEngine) => void;
    /** Delay before the explorer asks for coverage (0: at once; large: not during the test). */
    coverageDelayMs?: number;
    render?: boolean;
    /** Where browser downloads go (the exported bytes); by default nowhere. */
    download?: (bytes: Uint8Array, name: string, mime: string) => void;
  } = {},
): Promise<{ engine: FakeEngine; app: AppState }> {
  installCanvasStubs();
  const engine = createFakeEngine();
  options.configure?.(engine);
  const app = new AppState(engine.api, {
    storage: null,
    download: options.download ?? (() => {}),
    coverageDelayMs: options.coverageDelayMs ?? 0,
  });
  started.push(app);
  await app.start();
  if (options.render) render(App, { props: { app } });
  await settle();
  return { engine, app };
}

export function disposeFakeApps(): void {
  cleanup();
  for (const app of started.splice(0)) app.dispose();
  // The viewer writes the view into the URL's hash: the next test's page opens without it.
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
}
