import { describe, expect, it } from 'vitest';
import { createAtlasApi, unwrap, type AtlasApi } from '../../src-main/api/atlas-api';
import { AtlasError } from '../../src-main/api/errors';
import { METHOD_NAMES, type MethodName } from '../../src-main/api/names';

describe('createAtlasApi', () => {
  it('makes exactly one function per contract method, plus `on`', () => {
    const api = createAtlasApi(
      async () => ({ ok: true, result: null }),
      () => () => {},
    );
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'on'].sort());
  });

  it('sends each call as (method, params) and turns error outcomes into AtlasErrors', async () => {
    const calls: [MethodName, unknown][] = [];
    const api: AtlasApi = createAtlasApi(
      async (method, params) => {
        calls.push([method, params]);
        return method === 'decode'
          ? { ok: false, error: { code: 'not-found', message: 'no model "m"' } }
          : { ok: true, result: { models: [] } };
      },
      () => () => {},
    );
    expect(await api.listModels()).toEqual({ models: [] });
    const err = await api.decode({ modelId: 'm', z: new Float32Array(2), n: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect(err).toMatchObject({ code: 'not-found', message: 'no model "m"' });
    expect(calls.map(([m]) => m)).toEqual(['listModels', 'decode']);
    expect(calls[0][1]).toEqual({});
    // @ts-expect-error decode needs params: the types say so too.
    void (() => api.decode());
  });

  it('unwraps outcomes', () => {
    expect(unwrap({ ok: true, result: 3 })).toBe(3);
    expect(() => unwrap({ ok: false, error: { code: 'busy', message: 'training' } })).toThrow(
      'training',
    );
  });
});
