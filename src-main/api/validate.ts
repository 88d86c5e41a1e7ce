import type { z } from 'zod';
import { events, methods, type EventPayload, type ParsedParams, type Result } from './contract';
import { AtlasError } from './errors';
import { isEventName, isMethodName, type EventName, type MethodName } from './names';
import type { ErrorCode } from './records';

type Issue = z.ZodError['issues'][number];

/**
 * The issues of the alternative that got furthest into the value (the deepest path) when none of
 * a union's alternatives matched, with the union's path in front; undefined when no alternative
 * got past the union's own level (`1 | 3` given 2: "Invalid input" says it all).
 */
function furthestAlternative(issue: Issue): Issue[] | undefined {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return undefined;
  const depth = (issues: Issue[]) => Math.max(0, ...issues.map((i) => i.path.length));
  const best = issue.errors.reduce((a, b) =>
    depth(b) > depth(a) || (depth(b) === depth(a) && b.length < a.length) ? b : a,
  );
  if (depth(best) === 0) return undefined;
  return best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as Issue);
}

function flatten(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    const inner = furthestAlternative(issue);
    return inner ? flatten(inner) : [issue];
  });
}

/** One line per problem, each naming the field: `z: expected a Float32Array, got a plain array`. */
export function describeIssues(error: z.ZodError): string {
  return flatten(error.issues)
    .map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join('.') : '(root)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** `schema.parse(value)`, or an AtlasError with `code` whose message is `what` and the issues. */
function parseOrThrow(schema: z.ZodType, value: unknown, code: ErrorCode, what: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw new AtlasError(code, `${what}: ${describeIssues(result.error)}`);
  return result.data;
}

/** Validates a request's params, filling defaults; throws `invalid-params` naming the method. */
export function parseParams<M extends MethodName>(method: M, params: unknown): ParsedParams<M> {
  if (!isMethodName(method))
    throw new AtlasError('invalid-message', `unknown method "${String(method)}"`);
  return parseOrThrow(
    methods[method].params,
    params ?? {},
    'invalid-params',
    `invalid params for "${method}"`,
  ) as ParsedParams<M>;
}

/** Validates a handler's result before it leaves (a bug in a handler is caught at the boundary). */
export function parseResult<M extends MethodName>(method: M, value: unknown): Result<M> {
  return parseOrThrow(
    methods[method].result,
    value,
    'internal',
    `invalid result from "${method}"`,
  ) as Result<M>;
}

/** Validates an event payload. */
export function parseEvent<E extends EventName>(event: E, payload: unknown): EventPayload<E> {
  if (!isEventName(event))
    throw new AtlasError('invalid-message', `unknown event "${String(event)}"`);
  return parseOrThrow(
    events[event],
    payload,
    'invalid-message',
    `invalid payload for event "${event}"`,
  ) as EventPayload<E>;
}
