import { screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OnnxPageDecoder,
  type OnnxDecoderGraph,
  type OrtWeb,
} from '../../../src-renderer/lib/decoding/onnx-decoder';
import type { AppState } from '../../../src-renderer/stores/app.svelte';
import {
  describeDecodePath,
  formatMs,
  TIMED_DECODES,
  WARM_DECODES,
} from '../../../src-renderer/stores/local-decoder.svelte';
import { settle } from '../dom';
import { decodeImages, type FakeEngine } from '../fake-api';
import { disposeFakeApps, startFakeApp } from '../fake-app';
import { fakeOnnxDecoder } from '../fake-onnx';

/**
 * An ONNX model's slider decodes: the page opens the engine's graph with onnxruntime-web, times a
 * few warm decodes in the page against the engine's `decode`, and keeps whichever is faster; the
 * engine whenever the page decoder does not load; a late decoder of a model left meanwhile is
 * dropped. The fake engine serves a one-MatMul graph computing exactly its own `decode`.
 */

afterEach(disposeFakeApps);

const ort = import('onnxruntime-web/wasm').then((m) => {
  m.env.wasm.numThreads = 1;
  m.env.logLevel = 'error';
  return m as OrtWeb;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (engine: FakeEngine, method: string) =>
  engine.calls.filter((c) => c.method === method).length;

/** A page decoder on the test's onnxruntime-web, `slowMs` slower per decode. */
const opener =
  (slowMs = 0, made: OnnxPageDecoder[] = []) =>
  async (graph: OnnxDecoderGraph) => {
    const decoder = await OnnxPageDecoder.create(graph, ort);
    made.push(decoder);
    const decode = decoder.decode.bind(decoder);
    decoder.decode = async (z, n) => {
      if (slowMs) await sleep(slowMs);
      return decode(z, n);
    };
    return decoder;
  };

/**
 * The explorer on the fake engine, then model `modelId` reopened as an ONNX model (the fake's
 * decoders are not dense: `decoderWeights` says unsupported, `decoderOnnx` sends the graph).
 */
async function onnxApp(
  options: { engineMs?: number; pageMs?: number; render?: boolean; modelId?: string } = {},
) {
  const modelId = options.modelId ?? 'mnist-gaussian';
  const started = await startFakeApp({
    configure: (e) => {
      e.withWeights = false;
      if (options.engineMs) e.delayMs = (method) => (method === 'decode' ? options.engineMs! : 0);
    },
    coverageDelayMs: 60_000,
    render: options.render,
  });
  const { engine, app } = started;
  const dim = engine.models.find((m) => m.modelId === modelId)!.latent.dim;
  engine.onnxGraphs.set(modelId, fakeOnnxDecoder(dim));
  app.localDecoder.openOnnx = opener(options.pageMs);
  await app.openModel(modelId);
  await app.localDecoder.settled();
  await settle();
  return started;
}

function maxDiff(a: Float32Array | null, b: Float32Array): number {
  expect(a).toBeInstanceOf(Float32Array);
  expect(a!.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a![i] - b[i]));
  return worst;
}

async function drag(app: AppState, values: number[]): Promise<void> {
  const slot = app.traversal.sliders[0].slot;
  for (const v of values) {
    app.traversal.setSlider(slot, v);
    await settle(2);
  }
}

const engineImage = (app: AppState) => {
  const z = Float32Array.from(app.traversal.z()!);
  return decodeImages(z, 1, z.length);
};

describe('ONNX decoders in the page or the engine', () => {
  it('decode in the page when onnxruntime-web is faster there, with the engine’s images', async () => {
    const { engine, app } = await onnxApp({ engineMs: 25 });
    const choice = app.localDecoder.choice!;
    expect(choice).toMatchObject({ modelId: 'mnist-gaussian', chosen: 'page' });
    expect(choice.page!).toBeLessThan(choice.engine!);
    expect(choice.engine!).toBeGreaterThanOrEqual(20);
    expect(choice.why).toMatch(/page decodes faster/);
    expect(app.localDecoder.reason).toBeNull();
    expect(engine.calls.filter((c) => c.method === 'decoderOnnx').at(-1)!.params).toEqual({
      modelId: 'mnist-gaussian',
    });
    expect(app.localDecoder.for('mnist-gaussian')).toBe(app.localDecoder.onnx);

    const decodes = count(engine, 'decode');
    await drag(app, [0.5, -1, 1.75]);
    expect(count(engine, 'decode')).toBe(decodes);
    expect(app.traversal.decodedIn).toBe('page');
    expect(maxDiff(app.traversal.image, engineImage(app))).toBeLessThan(1e-5);
    expect(describeDecodePath(choice)).toMatch(
      /^decodes in the page \(onnxruntime-web, <?[\d.]+\sms\) — engine <?[\d.]+\sms$/,
    );
  });

  it('decode in the engine when it is faster than the page', async () => {
    const { engine, app } = await onnxApp({ pageMs: 40 });
    const choice = app.localDecoder.choice!;
    expect(choice.chosen).toBe('engine');
    expect(choice.page!).toBeGreaterThan(choice.engine!);
    expect(app.localDecoder.reason).toMatch(/engine decodes faster/);
    expect(app.localDecoder.for('mnist-gaussian')).toBeNull();
    // Both sides decoded WARM + TIMED times.
    expect(count(engine, 'decode')).toBeGreaterThanOrEqual(WARM_DECODES + TIMED_DECODES);
    const decodes = count(engine, 'decode');
    await drag(app, [0.5, -1]);
    expect(count(engine, 'decode')).toBe(decodes + 2);
    expect(app.traversal.decodedIn).toBe('engine');
    expect(describeDecodePath(choice)).toMatch(
      /^decodes in the engine \(<?[\d.]+\sms\) — page <?[\d.]+\sms \(onnxruntime-web\)$/,
    );
  });

  it('fall back to the engine when the page decoder fails to load', async () => {
    const { engine, app } = await startFakeApp({ coverageDelayMs: 60_000 });
    engine.onnxGraphs.set('mnist-gaussian', fakeOnnxDecoder(16));
    app.localDecoder.openOnnx = () =>
      Promise.reject(new Error('WebAssembly.instantiate(): Refused to compile'));
    await app.openModel('mnist-gaussian');
    await app.localDecoder.settled();
    const choice = app.localDecoder.choice!;
    expect(choice).toMatchObject({ chosen: 'engine', page: null, engine: null });
    expect(app.localDecoder.reason).toContain('Refused to compile');
    expect(app.localDecoder.measuring).toBe(false);
    const decodes = count(engine, 'decode');
    await drag(app, [0.25, 0.75]);
    expect(count(engine, 'decode')).toBe(decodes + 2);
    expect(app.traversal.decodedIn).toBe('engine');
    expect(maxDiff(app.traversal.image, engineImage(app))).toBeLessThan(1e-6);
    expect(describeDecodePath(choice)).toBe(
      'decodes in the engine — not in the page (onnxruntime-web failed)',
    );

    // Bytes onnxruntime-web cannot parse: the same fallback, with its reason.
    engine.onnxGraphs.set('mnist-sphere', {
      ...fakeOnnxDecoder(3),
      bytes: new TextEncoder().encode('not a model'),
    });
    app.localDecoder.openOnnx = opener();
    await app.openModel('mnist-sphere');
    await app.localDecoder.settled();
    expect(app.localDecoder.choice).toMatchObject({ chosen: 'engine', page: null });
    expect(app.localDecoder.reason).toMatch(/onnxruntime-web cannot run this decoder/);
    expect(app.localDecoder.for('mnist-sphere')).toBeNull();
  });

  it('hand the model to the engine when a page decode fails later', async () => {
    const { engine, app } = await onnxApp({ engineMs: 25 });
    expect(app.localDecoder.choice!.chosen).toBe('page');
    app.localDecoder.onnx!.decode = () => Promise.reject(new Error('out of memory'));
    const decodes = count(engine, 'decode');
    await drag(app, [1.25]);
    await sleep(80);
    await settle();
    expect(count(engine, 'decode')).toBe(decodes + 1);
    expect(app.traversal.decodedIn).toBe('engine');
    expect(maxDiff(app.traversal.image, engineImage(app))).toBeLessThan(1e-6);
    expect(app.localDecoder.choice!.chosen).toBe('engine');
    expect(app.localDecoder.reason).toContain('out of memory');
  });

  it('drop a page decoder that arrives after the person moved to another model', async () => {
    const { engine, app } = await startFakeApp({ coverageDelayMs: 60_000 });
    engine.onnxGraphs.set('mnist-gaussian', fakeOnnxDecoder(16));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const made: OnnxPageDecoder[] = [];
    const late = opener(0, made);
    app.localDecoder.openOnnx = async (graph) => {
      await gate;
      return late(graph);
    };
    await app.openModel('mnist-gaussian');
    expect(app.localDecoder.measuring).toBe(true);
    const pending = app.localDecoder.settled();
    await app.openModel('mnist-sphere');
    await settle();
    const gaussianDecodes = () =>
      engine.calls.filter(
        (c) =>
          c.method === 'decode' && (c.params as { modelId: string }).modelId === 'mnist-gaussian',
      ).length;
    const before = gaussianDecodes();
    open();
    await pending;
    await settle();
    expect(made).toHaveLength(1);
    expect(app.localDecoder.modelId).toBe('mnist-sphere');
    expect(app.localDecoder.choice).toBeNull();
    expect(app.localDecoder.onnx).toBeNull();
    expect(app.localDecoder.for('mnist-gaussian')).toBeNull();
    // The late decoder was released, and never timed against the engine.
    await expect(made[0].decode(new Float32Array(16), 1)).rejects.toThrow(/released/);
    expect(gaussianDecodes()).toBe(before);
  });

  it('in the app: the traversal panel says where decodes run and both figures', async () => {
    const { app } = await onnxApp({ engineMs: 25, render: true });
    const line = screen.getByTestId('decode-path');
    expect(line.dataset.chosen).toBe('page');
    expect(line.textContent).toMatch(/decodes in the page \(onnxruntime-web, <?[\d.]+\sms\)/);
    expect(line.textContent).toMatch(/engine <?[\d.]+\sms/);
    expect(line.title).toMatch(/page decodes faster/);
    await drag(app, [0.5, 1]);
    expect(screen.getByTestId('decode-latency').textContent).toContain('in the page');
    expect(screen.getByTestId('decode-latency').title).toContain('onnxruntime-web');

    // A native model shows no such line.
    await app.openModel('mnist-sphere');
    await settle();
    expect(screen.queryByTestId('decode-path')).toBeNull();
  });

  it('write the figures as the panel shows them', () => {
    expect([0.04, 0.36, 3.14, 12.6].map(formatMs)).toEqual(['<0.1', '0.4', '3.1', '13']);
    const nb = '\u00a0';
    const base = { modelId: 'm', why: '' };
    expect(describeDecodePath({ ...base, page: 0.36, engine: 3.1, chosen: 'page' })).toBe(
      `decodes in the page (onnxruntime-web, 0.4${nb}ms) — engine 3.1${nb}ms`,
    );
    expect(describeDecodePath({ ...base, page: 5.2, engine: 3.1, chosen: 'engine' })).toBe(
      `decodes in the engine (3.1${nb}ms) — page 5.2${nb}ms (onnxruntime-web)`,
    );
    expect(describeDecodePath({ ...base, page: 0.2, engine: null, chosen: 'page' })).toBe(
      `decodes in the page (onnxruntime-web, 0.2${nb}ms) — engine failed`,
    );
  });
});
