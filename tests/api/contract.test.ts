import { describe, expect, it } from 'vitest';
import { events, methods } from '../../src-main/api/contract';
import { ClientMessage, Outcome, ServerMessage } from '../../src-main/api/envelope';
import { AtlasError } from '../../src-main/api/errors';
import {
  FromInference,
  FromTrainer,
  ToInference,
  ToTrainer,
  TrainSpec,
} from '../../src-main/api/host-protocol';
import { EVENT_NAMES, METHOD_NAMES, type MethodName } from '../../src-main/api/names';
import { parseEvent, parseParams, parseResult } from '../../src-main/api/validate';
import { MAX_DECODER_WEIGHTS } from '../../src-main/api/records';
import {
  invalidEvents,
  invalidParams,
  validDecoderWeights,
  validEvents,
  validParams,
} from './samples';

function refusal(fn: () => unknown): AtlasError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AtlasError);
    return err as AtlasError;
  }
  throw new Error('expected the payload to be refused');
}

describe('the contract', () => {
  it('names every method and event exactly once, with a schema each', () => {
    expect(Object.keys(methods).sort()).toEqual([...METHOD_NAMES].sort());
    expect(Object.keys(events).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it.each(METHOD_NAMES)('accepts a valid %s request and fills its defaults', (method) => {
    expect(() => parseParams(method, validParams[method])).not.toThrow();
  });

  it('fills defaults (latent snapshot size, step interval, sampling seed)', () => {
    const start = parseParams('startTraining', validParams.startTraining);
    expect(start.latentLimit).toBe(10_000);
    expect(start.stepIntervalMs).toBe(200);
    expect(start.train.batchSize).toBe(128);
    expect(parseParams('samplePrior', validParams.samplePrior).seed).toBe(0);
  });

  describe.each(METHOD_NAMES)('refuses a malformed %s request', (method: MethodName) => {
    it.each([
      ['null', null],
      ['a number', 42],
      ['a string', 'decode'],
      ['an array', [1, 2]],
    ])('params that are %s', (_label, params) => {
      if (params === null) {
        // null is read as "no params": only methods without required params accept it.
        const required = methods[method].params.safeParse({}).success;
        if (required) return;
      }
      const err = refusal(() => parseParams(method, params));
      expect(err.code).toBe('invalid-params');
      expect(err.message).toContain(`"${method}"`);
    });

    it('an unknown key (params are strict, so a typo fails loudly)', () => {
      const err = refusal(() => parseParams(method, { ...validParams[method], bogus: 1 }));
      expect(err.message).toMatch(/Unrecognized key: "bogus"/);
    });

    it.each(invalidParams[method] ?? [])('case %#: %o', (params, word) => {
      const err = refusal(() => parseParams(method, params));
      expect(err.code).toBe('invalid-params');
      expect(err.message).toContain(word);
    });
  });

  it('refuses an unknown method', () => {
    const err = refusal(() => parseParams('formatDisk' as MethodName, {}));
    expect(err.code).toBe('invalid-message');
    expect(err.message).toContain('formatDisk');
  });

  it('catches a handler returning a malformed result (JSON numbers instead of a Float32Array)', () => {
    const err = refusal(() => parseResult('decode', { images: [0.5], n: 1, shape: [1] }));
    expect(err.code).toBe('internal');
    expect(err.message).toContain('images');
    expect(
      parseResult('decode', { images: new Float32Array(1), n: 1, shape: [1] }).images,
    ).toBeInstanceOf(Float32Array);
  });

  describe('decoder weights (replies of decoderWeights)', () => {
    type Weights = ReturnType<typeof validDecoderWeights>;
    const layer0 = (change: Record<string, unknown>): Weights => {
      const w = validDecoderWeights();
      return { ...w, layers: [{ ...w.layers[0], ...change }, w.layers[1]] } as Weights;
    };

    it('accepts typed-array weights and the unsupported answer', () => {
      const ok = parseResult('decoderWeights', validDecoderWeights());
      expect('layers' in ok && ok.layers[0].kernel).toBeInstanceOf(Float32Array);
      expect(parseResult('decoderWeights', { unsupported: 'layer "c" is a Conv2D' })).toEqual({
        unsupported: 'layer "c" is a Conv2D',
      });
    });

    it.each([
      [
        layer0({ kernel: [0, 0, 0, 0, 0, 0] }),
        'layers.0.kernel: expected a Float32Array, got a plain array',
      ],
      [
        layer0({ kernel: new Float64Array(6) }),
        'layers.0.kernel: expected a Float32Array, got a Float64Array',
      ],
      [
        layer0({ bias: new Int32Array(3) }),
        'layers.0.bias: expected a Float32Array, got an Int32Array',
      ],
      [
        layer0({ kernel: new Float32Array(5) }),
        'layers.0.kernel: length 5 does not match inputs × units = 2 × 3',
      ],
      [layer0({ bias: new Float32Array(2) }), 'layers.0.bias: length 2 does not match units = 3'],
      [layer0({ activation: 'swish' }), 'layers.0.activation'],
      [layer0({ units: 0 }), 'layers.0.units'],
      [layer0({ inputs: 1.5 }), 'layers.0.inputs'],
      [
        {
          ...validDecoderWeights(),
          layers: [validDecoderWeights().layers[0], validDecoderWeights().layers[0]],
        },
        'layers.1.inputs: 2 inputs, but layer 0 has 3 units',
      ],
      [
        { ...validDecoderWeights(), shape: [3, 3, 1] },
        'shape: [3, 3, 1] holds 9 values, but the last layer has 4 units',
      ],
      [{ ...validDecoderWeights(), shape: [] }, 'shape'],
      [{ ...validDecoderWeights(), output: 'pixels' }, 'output'],
      [{ ...validDecoderWeights(), layers: [] }, 'layers: Too small'],
      [{ unsupported: '' }, 'unsupported'],
      [{ unsupported: 42 }, 'unsupported'],
      [null, '(root)'],
    ])('refuses a malformed reply (%#)', (reply, words) => {
      const err = refusal(() => parseResult('decoderWeights', reply));
      expect(err.code).toBe('internal');
      expect(err.message).toContain(words);
    });

    it('refuses more weights than a page decodes', () => {
      const units = Math.ceil(MAX_DECODER_WEIGHTS / 2);
      const big = {
        layers: [
          {
            kernel: new Float32Array(2 * units),
            bias: new Float32Array(units),
            inputs: 2,
            units,
            activation: 'linear',
          },
        ],
        output: 'logits',
        shape: [units],
      };
      expect(refusal(() => parseResult('decoderWeights', big)).message).toContain(
        `weights; at most ${MAX_DECODER_WEIGHTS}`,
      );
    });
  });

  it.each(EVENT_NAMES)('accepts a valid %s event', (event) => {
    expect(() => parseEvent(event, validEvents[event])).not.toThrow();
  });

  it.each(invalidEvents)('refuses a malformed %s event (%#)', (event, payload, word) => {
    const err = refusal(() => parseEvent(event, payload));
    expect(err.code).toBe('invalid-message');
    expect(err.message).toContain(`"${event}"`);
    expect(err.message).toContain(word);
  });

  it('accepts typed arrays from another realm (structured clone into an isolated world)', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new Float32Array(4)') as Float32Array;
    expect(foreign instanceof Float32Array).toBe(false);
    expect(parseParams('decode', { modelId: 'm', z: foreign, n: 2 }).n).toBe(2);
  });
});

describe('the envelopes', () => {
  it('checks requests, replies and events', () => {
    expect(
      ClientMessage.safeParse({ type: 'request', id: 1, method: 'decode', params: {} }).success,
    ).toBe(true);
    for (const bad of [
      { type: 'request', id: -1, method: 'decode', params: {} },
      { type: 'request', id: 1.5, method: 'decode', params: {} },
      { type: 'request', id: 1, method: 'rm -rf', params: {} },
      { type: 'reply', id: 1, ok: true, result: 1 },
      { type: 'request', id: 1, method: 'info', params: {}, extra: true },
      'request',
      null,
    ]) {
      expect(ClientMessage.safeParse(bad).success).toBe(false);
    }
    expect(
      ServerMessage.safeParse({
        type: 'reply',
        id: 1,
        ok: false,
        error: { code: 'refused', message: 'no' },
      }).success,
    ).toBe(true);
    expect(
      ServerMessage.safeParse({
        type: 'reply',
        id: 1,
        ok: false,
        error: { code: 'oops', message: 'no' },
      }).success,
    ).toBe(false);
    expect(
      ServerMessage.safeParse({ type: 'event', event: 'hostError', payload: {} }).success,
    ).toBe(true);
    expect(ServerMessage.safeParse({ type: 'event', event: 'virus', payload: {} }).success).toBe(
      false,
    );
    expect(Outcome.safeParse({ ok: true }).success).toBe(false);
    expect(
      Outcome.safeParse({ ok: false, error: { code: 'internal', message: 'x' } }).success,
    ).toBe(true);
  });
});

describe('the engine processes protocol', () => {
  const spec = {
    jobId: 'job-1',
    modelId: 'm-1',
    libraryDir: '/tmp/lib',
    name: 'moons',
    source: { from: 'checkpoint' },
    train: {},
    epochs: 3,
    latentLimit: 0,
    stepIntervalMs: 0,
    snapshotSeconds: 10,
  };

  it('checks what the supervisor sends', () => {
    const init = { type: 'init', libraryDir: '/l', demoDir: null, chores: true };
    expect(ToInference.safeParse(init).success).toBe(true);
    expect(ToInference.safeParse({ ...init, chores: undefined }).success).toBe(false);
    expect(
      ToInference.safeParse({ type: 'request', id: 1, method: 'startTraining', params: {} })
        .success,
    ).toBe(false);
    expect(ToInference.safeParse({ type: 'refresh', modelId: '../x' }).success).toBe(false);
    expect(TrainSpec.safeParse(spec).success).toBe(true);
    expect(TrainSpec.safeParse({ ...spec, source: { from: 'url' } }).success).toBe(false);
    expect(TrainSpec.safeParse({ ...spec, epochs: 0 }).success).toBe(false);
    expect(ToTrainer.safeParse({ type: 'control', action: 'explode' }).success).toBe(false);
    expect(ToTrainer.safeParse({ type: 'start', spec }).success).toBe(true);
  });

  it('checks what the engine processes send back', () => {
    expect(FromInference.safeParse({ type: 'reply', id: 3, ok: true, result: 1 }).success).toBe(
      true,
    );
    expect(
      FromInference.safeParse({
        type: 'reply',
        id: 3,
        ok: false,
        error: { code: 'busy', message: 'x' },
      }).success,
    ).toBe(true);
    expect(FromInference.safeParse({ type: 'reply', id: 3, ok: false }).success).toBe(false);
    expect(FromInference.safeParse({ type: 'ready' }).success).toBe(false);
    expect(FromTrainer.safeParse({ type: 'checkpoint', epoch: -1 }).success).toBe(false);
    expect(FromTrainer.safeParse({ type: 'event', event: 'jobChanged', payload: {} }).success).toBe(
      false,
    );
    expect(FromTrainer.safeParse({ type: 'done', status: 'completed', epoch: 2 }).success).toBe(
      true,
    );
  });
});
