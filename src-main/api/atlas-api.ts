import type { EventPayload, Params, Result } from './contract';
import { AtlasError } from './errors';
import { METHOD_NAMES, type EventName, type MethodName } from './names';
import type { Outcome } from './envelope';

/** Methods whose params are all optional may be called without any. */
type Call<M extends MethodName> =
  Record<string, never> extends Params<M>
    ? (params?: Params<M>) => Promise<Result<M>>
    : (params: Params<M>) => Promise<Result<M>>;

/**
 * What the page sees, whether it runs in Electron (`window.atlas`, from the preload) or in a
 * browser (the WebSocket client): one async function per request and `on` for events.
 */
export type AtlasApi = { [M in MethodName]: Call<M> } & {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** Sends one request and resolves with its outcome (never rejects for a handler's error). */
export type Invoke = (method: MethodName, params: unknown) => Promise<Outcome>;
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

/** Turns an outcome back into a result or a thrown AtlasError. */
export function unwrap<T>(outcome: Outcome): T {
  if (outcome.ok) return outcome.result as T;
  throw new AtlasError(outcome.error.code, outcome.error.message);
}

/**
 * Builds an AtlasApi over any transport from its two primitives. Every method is generated from
 * the contract's list, so a transport cannot forget or invent one.
 */
export function createAtlasApi(invoke: Invoke, subscribe: Subscribe): AtlasApi {
  const api: Record<string, unknown> = {};
  for (const method of METHOD_NAMES) {
    api[method] = async (params?: unknown) => unwrap(await invoke(method, params ?? {}));
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => subscribe(event, listener);
  return api as AtlasApi;
}
