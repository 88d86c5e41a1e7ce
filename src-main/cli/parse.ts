import { InvalidArgumentError } from 'commander';
import type { LatentConfig } from '../shared/config';
import type { GeometryDescriptor, ObjectiveDescriptor } from '../shared/parts';

// Nothing here may import the engine: these run while commander parses, before any command loads.

/** Option parsers that refuse impossible values with a message naming the value. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

export function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

export function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}"`);
  return n;
}

export function integerList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
    throw new InvalidArgumentError(`expected comma-separated positive integers, got "${value}"`);
  }
  return parts.map(Number);
}

/**
 * How `--latent` names each geometry: its kind, with `:K` where it takes a component count
 * (`mixture:K`).
 */
export function latentUsage(geometries: readonly GeometryDescriptor[]): string {
  return geometries
    .map((g) => (g.parameters.some((p) => p.key === 'components') ? `${g.kind}:K` : g.kind))
    .join(', ');
}

/**
 * `--latent KIND[:K]`, read for its form only: which kinds exist is the engine's registry's to
 * say, and `checkLatent` asks it once the command runs (parsing loads no engine).
 */
export function latentKind(value: string): Pick<LatentConfig, 'kind' | 'components'> {
  const [kind, k, extra] = value.split(':');
  if (!/^[a-z][a-z0-9-]*$/.test(kind) || extra !== undefined)
    throw new InvalidArgumentError(
      `expected a geometry such as gaussian or mixture:10; got "${value}"`,
    );
  if (k === undefined) return { kind };
  const components = Number(k);
  if (!/^\d+$/.test(k))
    throw new InvalidArgumentError(`expected a count after "${kind}:", got "${value}"`);
  return { kind, components };
}

/**
 * The `--latent` a command was given, checked against the registered geometries: a known kind,
 * and a component count (default, range) exactly where the geometry takes one.
 */
export function checkLatent(
  latent: Pick<LatentConfig, 'kind' | 'components'>,
  geometries: readonly GeometryDescriptor[],
): Pick<LatentConfig, 'kind' | 'components'> {
  const geometry = geometries.find((g) => g.kind === latent.kind);
  if (!geometry)
    throw new Error(
      `unknown --latent "${latent.kind}"; expected one of ${latentUsage(geometries)}`,
    );
  const count = geometry.parameters.find((p) => p.key === 'components');
  if (!count) {
    if (latent.components !== undefined)
      throw new Error(`"${latent.kind}" takes no ":${latent.components}"`);
    return { kind: latent.kind };
  }
  const components = latent.components ?? count.default;
  if (!Number.isInteger(components) || components < count.min || components > count.max)
    throw new Error(
      `${latent.kind} needs a component count from ${count.min} to ${count.max}, as in ${latent.kind}:${count.default}; got "${latent.kind}:${components}"`,
    );
  return { kind: latent.kind, components };
}

/** One of a fixed list of words, e.g. `--net mlp|conv`. */
export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected ${choices.join(' | ')}, got "${value}"`);
    return value as T;
  };
}

/**
 * `--flow KIND:K` (K steps, default 1), read for its form only; `checkFlow` asks the registry
 * which kinds exist once the command runs.
 */
export function flowKind(value: string): { kind: string; length: number } {
  const [kind, k, extra] = value.split(':');
  if (!/^[a-z][a-z0-9-]*$/.test(kind) || extra !== undefined)
    throw new InvalidArgumentError(`expected a flow such as planar:8 or iaf:2; got "${value}"`);
  if (k === undefined) return { kind, length: 1 };
  if (!/^\d+$/.test(k) || Number(k) < 1 || Number(k) > 64)
    throw new InvalidArgumentError(`expected 1 to 64 steps after "${kind}:", got "${value}"`);
  return { kind, length: Number(k) };
}

/** `--flow`, checked against the registered flows once the command runs. */
export function checkFlow(kind: string, flows: readonly { kind: string }[]): string {
  if (!flows.some((f) => f.kind === kind))
    throw new Error(
      `unknown --flow "${kind}"; expected one of ${flows.map((f) => `${f.kind}:K`).join(', ')}`,
    );
  return kind;
}

/** `--objective`, checked against the registered objectives once the command runs. */
export function checkObjective(kind: string, objectives: readonly ObjectiveDescriptor[]): string {
  if (!objectives.some((o) => o.kind === kind))
    throw new Error(
      `unknown --objective "${kind}"; expected one of ${objectives.map((o) => o.kind).join(', ')}`,
    );
  return kind;
}

/** A number in (0, max]: e.g. a learning rate, refused before any data loads. */
export function positiveUpTo(max: number) {
  return (value: string): number => {
    const n = positive(value);
    if (n > max) throw new InvalidArgumentError(`expected a number in (0, ${max}], got "${value}"`);
    return n;
  };
}
