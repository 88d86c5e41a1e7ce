import { randomBytes } from 'node:crypto';

/** A library folder name from a display name: readable, filesystem-safe, unique by a suffix. */
export function newModelId(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'model'}-${randomBytes(3).toString('hex')}`;
}

export function newJobId(): string {
  return `job-${randomBytes(5).toString('hex')}`;
}
