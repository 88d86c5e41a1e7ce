import { InvalidArgumentError } from 'commander';
import type { LatentConfig } from '../shared/config';
import { LATENT_KINDS, OBJECTIVE_KINDS } from '../shared/kinds';

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

/** `gaussian`, `sphere`, `power-sphere` or `mixture:K`. */
export function latentKind(value: string): Pick<LatentConfig, 'kind' | 'components'> {
  const [kind, k] = value.split(':');
  if (!(LATENT_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(
      `expected one of gaussian, sphere, power-sphere, mixture:K; got "${value}"`,
    );
  }
  if (kind === 'mixture') {
    const components = Number(k ?? 10);
    if (!Number.isInteger(components) || components < 1 || components > 256) {
      throw new InvalidArgumentError(
        `mixture needs a component count from 1 to 256, as in mixture:10; got "${value}"`,
      );
    }
    return { kind: 'mixture', components };
  }
  if (k !== undefined) throw new InvalidArgumentError(`"${kind}" takes no ":${k}"`);
  return { kind: kind as LatentConfig['kind'] };
}

/** One of a fixed list of words, e.g. `--net mlp|conv`. */
export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected ${choices.join(' | ')}, got "${value}"`);
    return value as T;
  };
}

export const objectiveKind = oneOf(OBJECTIVE_KINDS);

/** A number in (0, max]: e.g. a learning rate, refused before any data loads. */
export function positiveUpTo(max: number) {
  return (value: string): number => {
    const n = positive(value);
    if (n > max) throw new InvalidArgumentError(`expected a number in (0, ${max}], got "${value}"`);
    return n;
  };
}
