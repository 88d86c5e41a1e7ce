/**
 * The item shape a dataset spec produces, which a new model's `inputShape` must match. The
 * contract lists built-in datasets by spec and description only, so the shapes of the built-ins
 * are known here; folders report theirs when imported.
 */
export function inputShapeFor(
  spec: string,
  options: { size?: number; channels?: 1 | 3 },
  description = '',
): number[] | null {
  const scheme = spec.split(':')[0].trim().toLowerCase();
  if (scheme === 'mnist') return [28, 28, 1];
  if (scheme === 'shapes') {
    const s = options.size ?? 32;
    return [s, s, 1];
  }
  if (scheme === 'toy') {
    const m = /\((\d+)D points\)/i.exec(description);
    return [m ? Number(m[1]) : 2];
  }
  if (scheme === 'folder') {
    const s = options.size ?? 32;
    return [s, s, options.channels ?? 1];
  }
  if (scheme === 'idx') return [28, 28, 1];
  return null;
}

/** Whether items are images (drawn as pictures) rather than points. */
export function isImageShape(shape: readonly number[] | undefined | null): boolean {
  return !!shape && shape.length === 3;
}
