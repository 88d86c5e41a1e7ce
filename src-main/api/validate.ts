import type { z } from 'zod';
import { events, methods, type EventPayload, type ParsedParams, type Result } from './contract';
import { AtlasError } from './errors';
import { isEventName, isMethodName, type EventName, type MethodName } from './names';

/** One line per problem, each naming the field: `z: expected a Float32Array, got a plain array`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join('.') : '(root)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates a request's params, filling defaults; throws `invalid-params` naming the method. */
export function parseParams<M extends MethodName>(method: M, params: unknown): ParsedParams<M> {
  if (!isMethodName(method))
    throw new AtlasError('invalid-message', `unknown method "${String(method)}"`);
  const result = methods[method].params.safeParse(params ?? {});
  if (!result.success) {
    throw new AtlasError(
      'invalid-params',
      `invalid params for "${method}": ${describeIssues(result.error)}`,
    );
  }
  return result.data as ParsedParams<M>;
}

/** Validates a handler's result before it leaves (a bug in a handler is caught at the boundary). */
export function parseResult<M extends MethodName>(method: M, value: unknown): Result<M> {
  const result = methods[method].result.safeParse(value);
  if (!result.success) {
    throw new AtlasError(
      'internal',
      `invalid result from "${method}": ${describeIssues(result.error)}`,
    );
  }
  return result.data as Result<M>;
}

/** Validates an event payload. */
export function parseEvent<E extends EventName>(event: E, payload: unknown): EventPayload<E> {
  if (!isEventName(event))
    throw new AtlasError('invalid-message', `unknown event "${String(event)}"`);
  const result = events[event].safeParse(payload);
  if (!result.success) {
    throw new AtlasError(
      'invalid-message',
      `invalid payload for event "${event}": ${describeIssues(result.error)}`,
    );
  }
  return result.data as EventPayload<E>;
}
