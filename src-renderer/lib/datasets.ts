/** The scheme of a dataset spec (`folder`, `idx`, `mnist`, …), lower case. */
function schemeOf(spec: string): string {
  return spec.split(':')[0].trim().toLowerCase();
}

/**
 * Whether a spec names the user's own files (IDX files, a folder of images), whose item shape is
 * known only once the engine has opened them (`describeDataset`).
 */
export function needsDescription(spec: string): boolean {
  const scheme = schemeOf(spec);
  return scheme === 'idx' || scheme === 'folder';
}

/**
 * The item shape a built-in dataset spec produces, which a new model's `inputShape` must match:
 * the built-ins' shapes are fixed by their spec and options. Null for IDX files and folders
 * (`needsDescription`): the engine describes those.
 */
export function inputShapeFor(
  spec: string,
  options: { size?: number; channels?: 1 | 3 },
  description = '',
): number[] | null {
  const scheme = schemeOf(spec);
  if (scheme === 'mnist') return [28, 28, 1];
  if (scheme === 'shapes') {
    const s = options.size ?? 32;
    return [s, s, 1];
  }
  if (scheme === 'toy') {
    const m = /\((\d+)D points\)/i.exec(description);
    return [m ? Number(m[1]) : 2];
  }
  return null;
}

/** Whether items are images (drawn as pictures) rather than points. */
export function isImageShape(shape: readonly number[] | undefined | null): boolean {
  return !!shape && shape.length === 3;
}
