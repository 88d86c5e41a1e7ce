import { tf } from './tf';

/**
 * A variable name tfjs has not registered yet: `base`, else `base_1`, `base_2`, … (two models of
 * the same kind in one process must not share variables).
 */
export function freshName(base: string): string {
  const taken = tf.engine().registeredVariables;
  if (!(base in taken)) return base;
  let i = 1;
  while (`${base}_${i}` in taken) i++;
  return `${base}_${i}`;
}
